#!/usr/bin/env bash
# Embedding throughput, side by side in one run: belegt's pipeline (Rust fastembed +
# ONNX Runtime) against the Python `fastembed` package on the same model files with the
# same ONNX Runtime version, at batch 1, 8 and 32, on 100 passages of 150 words from
# seeds/. Prints texts/s, tokens/s, the ratio, and tokens/s against the cores' peak.
#
#   benches/embed.sh [BATCH ...]      (default: 1 8 32)
#   BENCH_ROUNDS=5 benches/embed.sh   (rounds; default 5)
#
# A shared 2-core VM drifts by 10-20 % within a minute, so one belegt run followed by one
# Python run can tilt the ratio either way. The script runs both ROUNDS times, alternating
# which goes first, and prints the median texts/s of each, the ratio of the medians and
# the lowest and highest ratio of a single round.
#
# Installs fastembed==0.9.1 with onnxruntime==1.24.4 into $BELEGT_HOME/venv-bench once.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/lib.sh

batches=("$@")
((${#batches[@]})) || batches=(1 8 32)
home=${BELEGT_HOME:-$HOME/.local/share/belegt}
model=$home/models/multilingual-e5-small-q4
scripts/setup-model.sh >/dev/null

bench_venv

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bench_passages "$tmp/passages.json"

rounds=${BENCH_ROUNDS:-5}
cargo bench --quiet --bench embed --no-run 2>/dev/null
run_belegt() { cargo bench --quiet --bench embed -- "$tmp/passages.json" "${batches[@]}" | sed "s/^{/{\"round\": $1, /" >>"$tmp/belegt.jsonl"; }
run_python() { "$venv/bin/python" benches/embed_fastembed.py "$model" "$tmp/passages.json" "${batches[@]}" | sed "s/^{/{\"round\": $1, /" >>"$tmp/python.jsonl"; }
for ((r = 0; r < rounds; r++)); do
  if ((r % 2 == 0)); then run_belegt "$r"; run_python "$r"; else run_python "$r"; run_belegt "$r"; fi
done

echo "date: $(date -u +%Y-%m-%dT%H:%MZ)  cpu: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, $(grep -o -w -E 'avx2|avx512f' /proc/cpuinfo | sort -u | tr '\n' ' ')"
python3 - "$tmp/belegt.jsonl" "$tmp/python.jsonl" <<'PY'
import json, os, statistics, sys
from collections import defaultdict
def by_batch(path):
    rows = defaultdict(dict)
    for r in map(json.loads, open(path)):
        rows[r["batch"]][r["round"]] = r
    return rows
rust, py = by_batch(sys.argv[1]), by_batch(sys.argv[2])
rate = lambda r: r["texts"] / r["seconds"]
mhz = max(float(l.split(":")[1]) for l in open("/proc/cpuinfo") if l.startswith("cpu MHz"))
cores = os.cpu_count()
info = open("/proc/cpuinfo").read()
family = next((int(l.split(":")[1]) for l in info.splitlines() if l.startswith("cpu family")), 0)
# FP32 FLOP per cycle and core: two FMA pipes x lanes x 2. Two 256-bit pipes (AVX2, and
# Zen 4's double-pumped AVX-512) give 32; AMD Zen 5 (family 26) has two full 512-bit pipes,
# 64. BENCH_FLOP_PER_CYCLE overrides the guess (e.g. 64 on an Intel server with two
# AVX-512 FMA units).
guess = 64 if "GenuineIntel" not in info and family >= 26 and " avx512f" in info else 32
per_cycle = int(os.environ.get("BENCH_FLOP_PER_CYCLE", guess))
peak = cores * mhz * 1e6 * per_cycle
# MODEL.md: about 12 GFLOP for a 260-token text, i.e. about 46 MFLOP per token for this model.
flop_per_token = 12e9 / 260
print(f"peak assumed: {cores} cores x {mhz:.0f} MHz x {per_cycle} FLOP/cycle (family {family}) = {peak / 1e9:.0f} GFLOP/s; ~{flop_per_token / 1e6:.0f} MFLOP per token")
print(f"medians of {len(next(iter(rust.values())))} alternating rounds; % of peak uses the nominal clock, so boost clocks can exceed 100 %")
print(f"{'batch':>5} {'belegt texts/s':>15} {'tokens/s':>9} {'python texts/s':>15} {'ratio':>6} {'min-max':>10} {'% of peak':>9}")
for b in sorted(rust):
    rounds = sorted(rust[b].keys() & py[b].keys())
    rt = statistics.median(rate(rust[b][k]) for k in rounds)
    pt = statistics.median(rate(py[b][k]) for k in rounds)
    ratios = [rate(rust[b][k]) / rate(py[b][k]) for k in rounds]
    tokens = rust[b][rounds[0]]["tokens"]
    tps = rt * tokens / rust[b][rounds[0]]["texts"]
    print(f"{b:>5} {rt:>15.1f} {tps:>9.0f} {pt:>15.1f} {rt / pt:>6.2f} {min(ratios):>4.2f}-{max(ratios):<4.2f} {100 * tps * flop_per_token / peak:>8.0f}%")
PY
