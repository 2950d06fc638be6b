#!/usr/bin/env bash
# Where the time of embedding goes, for belegt's pipeline and for Python fastembed on the
# same model files (the two sides of benches/embed.sh), at one batch size:
#
#   benches/profile-embed.sh [BATCH]      (default 1, where the two sides tie)
#
# 1. perf: cpu-clock samples of `cargo bench --bench embed` and of
#    benches/embed_fastembed.py over 300 passages of 150 words (the seeds' repeated), the first
#    PROFILE_DELAY_MS (default 2500) skipped so that loading the model and the tokenizer
#    is left out; prints the share of samples per library (ONNX Runtime, the tokenizer,
#    the program itself, libc, the kernel).
# 2. ONNX Runtime's own profiler over 40 of the passages at that batch size: the share of
#    kernel time per operator type.
#
# Installs perf (Debian linux-perf) when missing and we are root, and the Python side as
# benches/embed.sh does.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/lib.sh

batch=${1:-1}
delay=${PROFILE_DELAY_MS:-2500}
model=${BELEGT_HOME:-$HOME/.local/share/belegt}/models/multilingual-e5-small-q4
scripts/setup-model.sh >/dev/null
bench_venv
ensure_tool perf linux-perf "profile"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bench_passages "$tmp/passages.json" 300
bench=$(cargo bench --bench embed --no-run 2>&1 | sed -n 's/.*Executable .*(\(.*\))$/\1/p' | tail -1)
[[ -x $bench ]] || { echo "profile: could not build the embed bench" >&2; exit 1; }

echo "date: $(date -u +%Y-%m-%dT%H:%MZ)  commit: $(git rev-parse --short HEAD 2>/dev/null || echo -)  batch: $batch"
echo "cpu: $(lscpu | sed -n 's/^Model name: *//p'), family $(sed -n 's/^cpu family\t*: //p' /proc/cpuinfo | head -1), $(nproc) cores, $(grep -o -w -E 'avx2|avx512f|avx512_vnni' /proc/cpuinfo | sort -u | tr '\n' ' ')"
perf record -q -D "$delay" -e cpu-clock -F 999 -o "$tmp/belegt.data" -- \
  "$bench" "$tmp/passages.json" "$batch" >"$tmp/belegt.out" 2>/dev/null
perf record -q -D "$delay" -e cpu-clock -F 999 -o "$tmp/python.data" -- \
  "$venv/bin/python" benches/embed_fastembed.py "$model" "$tmp/passages.json" "$batch" >"$tmp/python.out" 2>/dev/null
for side in belegt python; do
  rate=$(python3 - "$tmp/$side.out" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print("%d passages in %.2f s, %.1f/s" % (r["texts"], r["seconds"], r["texts"] / r["seconds"]))
PY
)
  echo "== $side: $rate"
  echo "share of cpu-clock samples per library (after the first $delay ms):"
  perf report -q -i "$tmp/$side.data" --no-children --sort dso --stdio 2>/dev/null |
    awk 'NF >= 2 && $1 ~ /%$/ && $1 + 0 >= 0.3 { printf "  %7s  %s\n", $1, $2 }'
done

echo "== ONNX Runtime's profiler (Python, $(basename "$(dirname "$model")")/$(basename "$model"), 40 passages, batch $batch): kernel time per operator"
"$venv/bin/python" - "$model" "$tmp/passages.json" "$batch" "$tmp/ort" <<'PY'
import collections, json, sys
import numpy as np, onnxruntime as ort
from tokenizers import Tokenizer
model, passages, batch, prefix = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
texts = ["passage: " + p for p in json.load(open(passages, encoding="utf-8"))[:40]]
tok = Tokenizer.from_file(model + "/tokenizer.json")
tok.enable_truncation(512)
tok.enable_padding()
so = ort.SessionOptions()
so.enable_profiling = True
so.profile_file_prefix = prefix
so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
session = ort.InferenceSession(model + "/model.onnx", so, providers=["CPUExecutionProvider"])
inputs = {i.name for i in session.get_inputs()}
for start in range(0, len(texts), batch):
    enc = tok.encode_batch(texts[start:start + batch])
    ids = np.array([e.ids for e in enc], dtype=np.int64)
    feed = {"input_ids": ids, "attention_mask": np.array([e.attention_mask for e in enc], dtype=np.int64),
            "token_type_ids": np.zeros_like(ids)}
    session.run(None, {k: v for k, v in feed.items() if k in inputs})
by_op, total = collections.Counter(), 0
for event in json.load(open(session.end_profiling())):
    if event.get("cat") == "Node" and event["name"].endswith("_kernel_time"):
        by_op[event["args"]["op_name"]] += event["dur"]
        total += event["dur"]
for op, dur in by_op.most_common():
    if dur >= 0.003 * total:
        print(f"  {100 * dur / total:5.1f} %  {op}")
PY
