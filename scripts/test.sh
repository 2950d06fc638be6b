#!/usr/bin/env bash
# README command 2: runs all tests (CI runs exactly this via .ci/run).
#
#   scripts/test.sh
#
# Installs the offline model if missing (idempotent), runs the test suite against the
# real seeds and model, runs the browser tests of the web chat (scripts/e2e.sh installs
# chromium and playwright-core when missing), the OpenAI facade with the official
# `openai` package (scripts/test-facade.sh), a 15 s load test (scripts/soak.sh), then
# prints answer quality on the shared dev set when it is there, failing when it falls
# below the guard figures.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/setup-model.sh >/dev/null
cargo test --release --locked
scripts/e2e.sh
scripts/test-facade.sh
scripts/soak.sh 15  # 32 clients on loopback for 15 s: no errors, no dead server

dev=../shared/eval/dev.jsonl
if [[ -f $dev ]]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  echo "== answer quality on $dev (fresh index in a temp dir)"
  BELEGT_INDEX_DIR=$tmp target/release/belegt index
  # A regression guard a little below today's figures (R@5 0.97, MRR 0.88, R@2000ch 0.94,
  # no false abstention), not a target to tune to.
  BELEGT_INDEX_DIR=$tmp target/release/belegt eval --file "$dev" \
    --require 'recall_at_5>=0.94' --require 'mrr>=0.84' \
    --require 'recall_at_2000ch>=0.9' --require 'false_abstention<=0.03'
fi
