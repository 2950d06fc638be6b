#!/usr/bin/env bash
# Growth: synthetic corpora made from the seeds at 1×, and by default 10× and 100× their
# size, each indexed from scratch and served; prints build time per stage, peak RSS while
# indexing, the index's size per file, start-up to ready (and until the background HNSW
# graph is there), serving RSS, and the query latency once the graph is there (50
# /api/search requests one at a time, with the server's own split into question
# embedding and search), so that growth can be read off one table.
#
#   benches/growth.sh [SCALE ...]      (default: 10 100; 1 is always measured first)
#
# A copy k of a document gets its own catalog entry (id `<id>-c<k>`, title `… (Kopie k)`)
# and a perturbed text: in every prose line, about one word in eight is replaced by a
# word drawn from the seeds' vocabulary (a fixed pseudo-random sequence per copy), so the
# passages are distinct but read like the seeds; headings and state sections are kept.
# Everything lives in a temporary project folder with its own seeds/catalog.toml.
# Embedding dominates the build: on 2 cores allow about 1 min for 10× and 15–25 min for
# 100× on an idle machine.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/lib.sh

scales=("$@")
((${#scales[@]})) || scales=(10 100)
scales=(1 "${scales[@]}")
ensure_binary

tmp=$(mktemp -d)
cleanup() {
  stop_server
  rm -rf "$tmp"
}
trap cleanup EXIT

echo "date: $(date -u +%Y-%m-%dT%H:%MZ)  commit: $(git rev-parse --short HEAD 2>/dev/null || echo -)"
echo "cpu: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

make_corpus() { # SCALE DIR
  python3 - "$1" "$2" <<'PY'
import pathlib, random, re, sys, tomllib

scale, out = int(sys.argv[1]), pathlib.Path(sys.argv[2])
seeds = pathlib.Path("seeds")
catalog = tomllib.loads((seeds / "catalog.toml").read_text(encoding="utf-8"))["document"]
texts = {d["id"]: (seeds / d["file"]).read_text(encoding="utf-8") for d in catalog}
vocab = sorted({w for t in texts.values() for w in re.findall(r"\b[^\W\d_]{4,}\b", t)})
out.mkdir(parents=True)

def toml_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'

def perturb(text, rng):
    lines = []
    for line in text.split("\n"):
        words = line.split(" ")
        if len(words) >= 12:  # prose, not a heading or a state's report line
            for i in range(len(words)):
                if rng.random() < 0.125 and re.fullmatch(r"[^\W\d_]{4,}", words[i]):
                    words[i] = rng.choice(vocab)
        lines.append(" ".join(words))
    return "\n".join(lines)

entries = []
for k in range(scale):
    for d in catalog:
        e = dict(d)
        text = texts[d["id"]]
        if k:
            e["id"] = f"{d['id']}-c{k}"
            e["file"] = f"{d['id']}-c{k}.txt"
            e["title"] = f"{d['title']} (Kopie {k})"
            e["short_title"] = f"{d.get('short_title', d['title'])} ({k})"
            text = perturb(text, random.Random(k * 7919 + len(d["id"])))
        (out / e["file"]).write_text(text, encoding="utf-8")
        entries.append(e)
with open(out / "catalog.toml", "w", encoding="utf-8") as f:
    for e in entries:
        f.write("[[document]]\n")
        for key, value in e.items():
            f.write(f"{key} = {toml_str(value)}\n")
        f.write("\n")
PY
}

queries() { # BASE_URL → p50/p95 wall, p50 embed, p50 search over 50 questions
  python3 - "$1" <<'PY'
import http.client, json, sys, time, urllib.parse
u = urllib.parse.urlparse(sys.argv[1])
conn = http.client.HTTPConnection(u.hostname, u.port)
qs = [l.strip() for l in open("benches/queries.txt", encoding="utf-8") if l.strip()][:50]
wall, embed, search = [], [], []
for q in qs:
    body = json.dumps({"query": q, "k": 5})
    t = time.perf_counter()
    conn.request("POST", "/api/search", body, {"Content-Type": "application/json"})
    r = conn.getresponse(); data = r.read()
    wall.append((time.perf_counter() - t) * 1000)
    assert r.status == 200, (r.status, data[:200])
    tm = json.loads(data)["timings_ms"]; embed.append(tm["embed"]); search.append(tm["search"])
p = lambda xs, q: sorted(xs)[round((len(xs) - 1) * q)]
print(f"{p(wall, .5):.1f} {p(wall, .95):.1f} {p(embed, .5):.1f} {p(search, .5):.2f} {p(search, .95):.2f}")
PY
}

settled() { # BASE_URL → seconds until /readyz reports the HNSW graph and the English vocabulary
  python3 - "$1" <<'PY'
import http.client, json, sys, time, urllib.parse
u = urllib.parse.urlparse(sys.argv[1])
t = time.perf_counter()
while time.perf_counter() - t < 900:
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    conn.request("GET", "/readyz")
    r = json.loads(conn.getresponse().read())
    if r.get("dense_search") != "exact" and r.get("english_vocabulary", True):
        break
    time.sleep(0.2)
print(f"{time.perf_counter() - t:.1f}")
PY
}

peak_rss_mb() { sed -n 's/^\tMaximum resident set size (kbytes): //p' "$1" | awk '{printf "%.0f", $1/1024}'; }

rows=()
for scale in "${scales[@]}"; do
  dir=$tmp/x$scale
  make_corpus "$scale" "$dir/seeds"
  export BELEGT_SEEDS=$dir/seeds BELEGT_INDEX_DIR=$dir/index
  /usr/bin/time -v "$bin" index --json >"$dir/index.json" 2>"$dir/index.time" ||
    { cat "$dir/index.time" >&2; exit 1; }
  build=$(python3 - "$dir/index.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); s = r["seconds"]
print(r["documents"], r["chunks"], f"{s['total']:.1f}", f"{s['prepare']:.2f}", f"{s['embed']:.1f}",
      f"{s['hnsw']:.2f}", f"{s['lexical']:.2f}", f"{s['write']:.2f}")
PY
)
  gen=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["generation"])' "$dir/index.json")
  sizes=$(cd "$gen" && du -sk -- * | awk '{printf "%s %.1f MB, ", $2, $1/1024}')
  # The vocabulary for English questions, before the server starts (it would otherwise
  # embed it in the background while the queries below are timed).
  lexicon_started=$(date +%s.%N)
  prime_lexicon
  echo "${scale}x: vocabulary for English questions embedded in $(python3 -c "import sys; print(f'{$(date +%s.%N) - $lexicon_started:.1f}')") s, $(du -k "$gen/lexicon.bin" | awk '{printf "%.1f MB", $1/1024}')"
  started=$(date +%s.%N)
  start_server "$dir"
  ready=$(python3 -c "import sys; print(f'{$(date +%s.%N) - $started:.2f}')")
  # The HNSW graph is built in the background after ready (searches scan exactly until
  # then, and the build takes both cores): queries are timed once it is there.
  graph=$(settled "$url")
  read -r p50 p95 embed50 search50 search95 <<<"$(queries "$url")"
  rss=$(awk '/^VmRSS/ {printf "%d", $2/1024}' "/proc/$server/status")
  stop_server
  read -r docs chunks total prepare embed hnsw lexical write <<<"$build"
  echo "== ${scale}×: $docs documents, $chunks passages"
  echo "   build $total s (prepare $prepare, embed $embed, hnsw $hnsw, lexical $lexical, write $write); peak RSS $(peak_rss_mb "$dir/index.time") MB"
  echo "   index files: ${sizes%, }"
  echo "   serve: ready after $ready s, HNSW graph and English vocabulary $graph s later; RSS $rss MB after 50 queries"
  echo "   /api/search one at a time: p50 $p50 ms, p95 $p95 ms; server-side p50 embed $embed50 ms, search $search50 ms (p95 $search95 ms)"
  rows+=("$scale $chunks $total $p50 $search50 $rss")
  rm -rf "$dir"
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%6s %9s %9s %12s %14s %8s\n' scale passages "build s" "query p50 ms" "search p50 ms" "RSS MB"
base_p50=
for r in "${rows[@]}"; do
  read -r scale chunks total p50 search50 rss <<<"$r"
  base_p50=${base_p50:-$p50}
  printf '%5s× %9s %9s %12s %14s %8s   (query p50 %.2f× the seeds)\n' "$scale" "$chunks" "$total" "$p50" "$search50" "$rss" \
    "$(python3 -c "print($p50 / $base_p50)")"
done
