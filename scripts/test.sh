#!/usr/bin/env bash
# README command 2: runs all tests (CI runs exactly this via .ci/run).
#
#   scripts/test.sh
#
# Installs the offline model, the English–German dictionary and the German thesaurus if
# missing (idempotent), runs the test suite against the real seeds and model, checks the
# dependency graph (scripts/deny.sh), runs the browser tests of the web chat
# (scripts/e2e.sh installs chromium and playwright-core when missing), the OpenAI facade
# with the official `openai` package (scripts/test-facade.sh), a 15 s load test
# (scripts/soak.sh), a short schema-based API fuzz run (scripts/fuzz-api.sh,
# schemathesis), the PostgreSQL backend against a real server
# (scripts/test-postgres.sh), then prints answer quality on the shared dev set when it
# is there, failing when it falls below the guard figures.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/setup-model.sh >/dev/null
scripts/setup-dictionary.sh >/dev/null
cargo test --release --locked
scripts/deny.sh  # licenses, banned crates and features, sources (deny.toml)

# The scripts below share one fresh index of seeds/ in a temp dir (embeddings/ is untouched).
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export BELEGT_INDEX_DIR=$tmp/index
target/release/belegt index
# The vocabulary for English questions, once, rather than by every server started below.
target/release/belegt compare "Which states use AI in the police?" >/dev/null

scripts/e2e.sh
scripts/test-facade.sh
scripts/soak.sh 15       # 32 clients on loopback for 15 s: no errors, no dead server
scripts/fuzz-api.sh 200  # schemathesis from /openapi.json: no 5xx, responses match the schema
scripts/test-postgres.sh # PostgreSQL 18 + pgvector from PyPI: build, parity, kill -9, outage

dev=../shared/eval/dev.jsonl
if [[ -f $dev ]]; then
  echo "== answer quality on $dev"
  # A regression guard a little below today's figures (R@5 1.00, MRR 0.94, R@2000ch 1.00,
  # answers holding their evidence 0.72, compare: 0.68 of the qualifying states with 0.00
  # wrong, abstention 1.00 with false abstention 0.03), not a target to tune to.
  target/release/belegt eval --file "$dev" \
    --require 'recall_at_5>=0.97' --require 'mrr>=0.91' \
    --require 'recall_at_2000ch>=0.94' --require 'answer_recall>=0.65' \
    --require 'compare_state_recall>=0.6' --require 'compare_wrong_states<=0.1' \
    --require 'abstention>=0.75' --require 'false_abstention<=0.05'
fi

# Our own near-miss and off-topic questions (and a few answerable ones), written for the
# abstention rule before it was designed (their curve was read when its threshold was
# chosen, see README "Answer quality"): 1.00 abstention, no false abstention today
# (0.77 before words the documents never use, stop 31).
echo "== abstention on tests/fixtures/abstain.jsonl"
target/release/belegt eval --file tests/fixtures/abstain.jsonl \
  --require 'abstention>=0.9' --require 'false_abstention<=0.0'
# The same questions in English (stop 32): 0.52 abstention (0.41 before "how many" was
# checked in English, 0.15 before stop 31), none false.
echo "== abstention on tests/fixtures/abstain-en.jsonl"
target/release/belegt eval --file tests/fixtures/abstain-en.jsonl \
  --require 'abstention>=0.45' --require 'false_abstention<=0.0'

# Comparison questions on topics the dev set does not ask, with every qualifying state
# found by reading the documents (written by a helper that never ran belegt; two have
# no qualifying state). 0.67 of the states found with 0.06 wrong, both no-state
# questions abstained on, no false abstention today (2026-12-07; 0.64 before English
# compounds ("large language models": Sprachmodell, stop 29), 0.60 before English
# words for German nouns ("Mobilität": Mobility, stop 28), 0.58 before nouns used
# only inside compounds, 0.51 / 0.10 before framing choices, 0.42 / 0.12 before whole-topic sentences, 0.15 wrong before frame
# words, 0.11 before sentence pairs, 0.38 / 0.14 before the English–German dictionary).
echo "== comparison on tests/fixtures/compare.jsonl"
target/release/belegt eval --file tests/fixtures/compare.jsonl \
  --require 'compare_state_recall>=0.6' --require 'compare_wrong_states<=0.1' \
  --require 'abstention>=0.99' --require 'false_abstention<=0.1'

# Two more such sets (2026-12-06), each written by a helper that never ran belegt:
# compare-holdout.jsonl was measured first and then used while changing the rules
# (0.25 found / 0.32 wrong before, 0.28 / 0.08 after); compare-final.jsonl was measured
# before and after those changes (0.37 / 0.18 → 0.40 / 0.17) and looked at once.
# Sentence pairs (later that day): holdout 0.38 / 0.06, final 0.46 / 0.15, false
# abstention 0.20 on both. With the English–German dictionary: holdout 0.42 / 0.09 with
# false abstention 0.10, final 0.49 / 0.17 with 0.20. With the German thesaurus: holdout
# 0.45 / 0.09, final unchanged. With whole-topic sentences (2026-12-07): final 0.49 / 0.21;
# with compound parts for English phrases (final's one English question): 0.46 / 0.19.
# 2026-12-07 (stop 27): a loan word in either number, holdout 0.45 / 0.16; with the
# abbreviations the documents define ("… bzw. KMU"), 0.53 / 0.14; with the whole
# "IT-Dienstleister" (not `dienstleist`), final 0.46 / 0.11.
# 2026-12-07 (stop 28): a noun's examples as its alternatives ("Rechtsfragen wie
# Haftung"), final 0.51 / 0.10. Stop 29: English compounds ("data portals":
# Datenportal), holdout 0.53 / 0.11.
echo "== comparison on tests/fixtures/compare-holdout.jsonl"
target/release/belegt eval --file tests/fixtures/compare-holdout.jsonl \
  --require 'compare_state_recall>=0.45' --require 'compare_wrong_states<=0.15' \
  --require 'abstention>=0.99' --require 'false_abstention<=0.15'
echo "== comparison on tests/fixtures/compare-final.jsonl"
target/release/belegt eval --file tests/fixtures/compare-final.jsonl \
  --require 'compare_state_recall>=0.45' --require 'compare_wrong_states<=0.15' \
  --require 'abstention>=0.99' --require 'false_abstention<=0.25'

# The German questions of the three sets above as users type them in a chat: in lower
# case, "ae", "oe", "ue", "ss" for the umlauts and "ß" (generated from them, 2026-12-07,
# stop 30). Today 0.55 found with 0.10 wrong, R@5 0.88, abstention 0.80 (written as in
# the sets: 0.58 / 0.07); before belegt read a question as the documents spell its
# words, 0.30 / 0.21.
echo "== comparison on tests/fixtures/compare-typed.jsonl"
target/release/belegt eval --file tests/fixtures/compare-typed.jsonl \
  --require 'compare_state_recall>=0.5' --require 'compare_wrong_states<=0.15' \
  --require 'recall_at_5>=0.85' --require 'false_abstention<=0.2'

# The German comparison questions of the four sets above, asked in English (written
# 2026-12-06 from the German wording before belegt answered them, same evidence; then
# read while the dictionary step was built, so no longer unseen).
# Today R@5 0.93, MRR 0.70, 0.47 of the states found with 0.19 wrong, false abstention
# 0.07 (stop 29: 0.46 / 0.26 before English compounds, documents named in English and
# agent nouns ("founders": Gründer, not Grund); stop 28: MRR 0.74 → 0.70 when an English word of the documents also took the
# dictionary's nouns: "guidelines" now ranks Saxony's federal "Leitlinien" first, a
# true hit but not the labelled evidence, on two questions; 0.40 / 0.29 before the
# steps of stop 28;
# 0.37 / 0.31 and 0.14 before the dictionary-checked comparison of stop 27;
# 0.32 / 0.38 before the steps of 2026-12-07, 0.37 / 0.34 before compound parts;
# MRR 0.69 before the dictionary check of the search);
# before the English–German dictionary R@5 0.62, MRR 0.39, 0.12 / 0.36, 0.55.
echo "== English comparison on tests/fixtures/compare-en.jsonl"
target/release/belegt eval --file tests/fixtures/compare-en.jsonl \
  --require 'recall_at_5>=0.9' --require 'mrr>=0.67' \
  --require 'compare_state_recall>=0.42' --require 'compare_wrong_states<=0.25' \
  --require 'false_abstention<=0.12'
