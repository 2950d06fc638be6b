#!/usr/bin/env bash
# Embedding throughput, side by side in one run: belegt's pipeline (Rust fastembed +
# ONNX Runtime) against the Python `fastembed` package on the same model files with the
# same ONNX Runtime version, at batch 1, 8 and 32, on 100 passages of 150 words from
# seeds/. Prints texts/s, tokens/s, the ratio, and tokens/s against the cores' peak.
#
#   benches/embed.sh [BATCH ...]      (default: 1 8 32)
#
# Installs fastembed==0.9.1 with onnxruntime==1.24.4 into $BELEGT_HOME/venv-bench once.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

batches=("$@")
((${#batches[@]})) || batches=(1 8 32)
home=${BELEGT_HOME:-$HOME/.local/share/belegt}
model=$home/models/multilingual-e5-small-q4
scripts/setup-model.sh >/dev/null

venv=$home/venv-bench
pins=(fastembed==0.9.1 onnxruntime==1.24.4)
if [[ ! -f $venv/.pins || $(cat "$venv/.pins") != "${pins[*]}" ]]; then
  echo "embed bench: installing ${pins[*]} into $venv" >&2
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "${pins[@]}"
  echo "${pins[*]}" >"$venv/.pins"
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 - "$tmp/passages.json" <<'PY'
import json, pathlib, sys
words = " ".join(p.read_text(encoding="utf-8") for p in sorted(pathlib.Path("seeds").glob("*.txt"))).split()
passages = [" ".join(words[i:i + 150]) for i in range(0, 150 * 100, 150)]
json.dump(passages, open(sys.argv[1], "w", encoding="utf-8"), ensure_ascii=False)
PY

cargo bench --quiet --bench embed -- "$tmp/passages.json" "${batches[@]}" >"$tmp/belegt.jsonl"
"$venv/bin/python" benches/embed_fastembed.py "$model" "$tmp/passages.json" "${batches[@]}" >"$tmp/python.jsonl"

echo "date: $(date -u +%Y-%m-%dT%H:%MZ)  cpu: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, $(grep -o -w -E 'avx2|avx512f' /proc/cpuinfo | sort -u | tr '\n' ' ')"
python3 - "$tmp/belegt.jsonl" "$tmp/python.jsonl" <<'PY'
import json, os, sys
rust = {r["batch"]: r for r in map(json.loads, open(sys.argv[1]))}
py = {r["batch"]: r for r in map(json.loads, open(sys.argv[2]))}
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
print(f"{'batch':>5} {'belegt texts/s':>15} {'tokens/s':>9} {'python texts/s':>15} {'ratio':>6} {'% of peak':>9}")
for b in sorted(rust):
    r, p = rust[b], py[b]
    rt, pt = r["texts"] / r["seconds"], p["texts"] / p["seconds"]
    tps = r["tokens"] / r["seconds"]
    print(f"{b:>5} {rt:>15.1f} {tps:>9.0f} {pt:>15.1f} {rt / pt:>6.2f} {100 * tps * flop_per_token / peak:>8.0f}%")
PY
