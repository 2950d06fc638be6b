#!/usr/bin/env bash
# Prints the figures of the retrieval core and the server on this machine:
# index build time and peak memory, model load time, `ask` peak memory, query latency
# over 50 questions (model loaded), server start-up to ready, p50/p95 latency of 100
# distinct /api/search and /api/ask requests on loopback, and the server's memory.
#
#   benches/measure.sh            (after scripts/setup.sh --no-serve or a release build)
#
# Everything runs on 127.0.0.1 in a temporary index folder; nothing else is touched.
# Compare figures only within one run on one machine: the CPU line is printed first.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bin=${BELEGT_BIN:-target/release/belegt}
[[ -x $bin ]] || { echo "measure: $bin missing: cargo build --release" >&2; exit 1; }
queries=benches/queries.txt
tmp=$(mktemp -d)
server=""
cleanup() { [[ -n $server ]] && kill "$server" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
export BELEGT_INDEX_DIR=$tmp/index

echo "date: $(date -u +%Y-%m-%dT%H:%MZ)  commit: $(git rev-parse --short HEAD 2>/dev/null || echo -)"
echo "cpu: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, $(grep -o -w -E 'avx2|avx512f|avx512_vnni' /proc/cpuinfo | sort -u | tr '\n' ' ')"

peak_rss_mb() { sed -n 's/^\tMaximum resident set size (kbytes): //p' "$1" | awk '{printf "%.0f", $1/1024}'; }

/usr/bin/time -v "$bin" index --json >"$tmp/index.json" 2>"$tmp/index.time"
python3 - "$tmp/index.json" "$(peak_rss_mb "$tmp/index.time")" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); s = r["seconds"]
print(f"index: {r['documents']} documents, {r['chunks']} passages in {s['total']:.1f} s "
      f"(embed {s['embed']:.1f} s, prepare {s['prepare']:.2f} s, hnsw {s['hnsw']:.2f} s, lexical {s['lexical']:.2f} s, "
      f"write {s['write']:.2f} s); model load {r['model_load_seconds']:.2f} s; peak RSS {sys.argv[2]} MB")
PY

/usr/bin/time -v "$bin" ask --json "Welche Länder setzen KI in der Polizei ein?" >/dev/null 2>"$tmp/ask.time"
echo "ask (one process: load model and index, answer): $(sed -n 's/^\tElapsed (wall clock) time (h:mm:ss or m:ss): //p' "$tmp/ask.time") wall, peak RSS $(peak_rss_mb "$tmp/ask.time") MB"

head -n 50 "$queries" | python3 -c '
import json, sys
for i, q in enumerate(sys.stdin):
    print(json.dumps({"id": f"m{i}", "question": q.strip(), "kind": "fact"}))' >"$tmp/q50.jsonl"
"$bin" eval --file "$tmp/q50.jsonl" | grep '^latency' | sed 's/^/query /'

start=$(date +%s.%N)
"$bin" serve --addr 127.0.0.1:0 >"$tmp/serve.out" 2>"$tmp/serve.err" &
server=$!
for _ in $(seq 1 600); do grep -q '^listening on' "$tmp/serve.out" 2>/dev/null && break; sleep 0.05; done
base=$(sed -n 's/^listening on //p' "$tmp/serve.out")
[[ -n $base ]] || { echo "measure: the server did not start" >&2; cat "$tmp/serve.err" >&2; exit 1; }
echo "serve: ready after $(python3 -c "print(f'{$(date +%s.%N) - $start:.2f}')") s (process start to 'listening on')"

for endpoint in search ask; do
  field=$([[ $endpoint == search ]] && echo query || echo question)
  while IFS= read -r q; do
    body=$(python3 -c 'import json,sys; print(json.dumps({sys.argv[1]: sys.argv[2]}))' "$field" "$q")
    curl -s -o /dev/null -w '%{time_total}\n' -H 'content-type: application/json' -d "$body" "$base/api/$endpoint"
  done <"$queries" >"$tmp/$endpoint.times"
  python3 - "$tmp/$endpoint.times" "$endpoint" <<'PY'
import sys
t = sorted(float(x) * 1000 for x in open(sys.argv[1]))
pick = lambda p: t[round((len(t) - 1) * p)]
print(f"/api/{sys.argv[2]}: {len(t)} distinct requests, one at a time: p50 {pick(0.5):.1f} ms, p95 {pick(0.95):.1f} ms, max {t[-1]:.1f} ms")
PY
done
echo "serve: RSS $(ps -o rss= -p "$server" | awk '{printf "%.0f", $1/1024}') MB after $(($(wc -l <"$queries") * 2)) requests"
