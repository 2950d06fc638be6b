#!/usr/bin/env bash
# The ceiling of the LLM judge of comparisons (`compare --llm`): compare figures of
# `belegt eval`, first with the key-term rule alone, then judged by an oracle that
# always names the sentence matching the state's own evidence quote
# (benches/judge_oracle.py). The oracle reads only what belegt shows the LLM (the
# sentences of each state's best passages), so the second figure is what a perfect LLM
# could reach, and what it lacks is what the passages shown lack. No real LLM is asked.
#
#   benches/judge-ceiling.sh [FILE.jsonl ...]
#       default: ../shared/eval/dev.jsonl (when present) and tests/fixtures/compare*.jsonl
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib.sh

files=("$@")
if [[ ${#files[@]} -eq 0 ]]; then
  [[ -f ../shared/eval/dev.jsonl ]] && files+=(../shared/eval/dev.jsonl)
  files+=(tests/fixtures/compare*.jsonl)
fi
tmp=$(mktemp -d)
oracle=
cleanup() { [[ -n $oracle ]] && kill "$oracle" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
ensure_binary
ensure_index "$tmp"

python3 benches/judge_oracle.py 0 "${files[@]}" >"$tmp/oracle.out" 2>"$tmp/oracle.err" &
oracle=$!
await_listening "$oracle" "$tmp/oracle.out" "$tmp/oracle.err"
llm_url=$url

echo "date: $(date -u +%Y-%m-%dT%H:%MZ)  commit: $(git rev-parse --short HEAD 2>/dev/null || echo -)"
printf '%-26s %-16s %s\n' file judge "compare found / wrong, abstention / false abstention"
for f in "${files[@]}"; do
  for judge in rule oracle; do
    args=(eval --json --file "$f")
    [[ $judge == oracle ]] && args+=(--llm --llm-url "$llm_url" --llm-model oracle)
    "$bin" "${args[@]}" | python3 -c '
import json, sys
o = json.load(sys.stdin)["overall"]
f = lambda k: "   –" if o[k] is None else "%.2f" % o[k]
print("%-26s %-16s %s / %s, %s / %s" % (sys.argv[1], sys.argv[2], f("compare_state_recall"),
      f("compare_wrong_states"), f("abstention"), f("false_abstention")))
' "$(basename "$f")" "$judge"
  done
done
