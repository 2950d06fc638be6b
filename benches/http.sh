#!/usr/bin/env bash
# HTTP latency and throughput on loopback: `POST /api/search` and `POST /api/ask`
# (extractive) at 1, 8 and 32 concurrent clients, each for a bounded time, with the
# questions of benches/queries.txt cycled (each client starts at another question).
# belegt has no answer cache, so every request embeds its question and searches.
#
#   benches/http.sh [-d SECONDS] [-c "1 8 32"] [BIN ...]
#
# -d: seconds per cell (default 10, after a 2 s warm-up per server); -c: client counts.
# With several binaries (e.g. an older build beside the current one), each runs its own
# server on the same index and the cells alternate between them, so that before/after
# is compared under the same machine load. Default binary: target/release/belegt (built
# when missing). Uses wrk (Debian; installed when missing and we are root) with a Lua
# script. Prints the CPU, the load average before and after, a table of requests, p50,
# p99, requests/s and errors per cell, and each server's RSS at the end. Exits 1 on any
# non-2xx answer or socket error. Builds an index of seeds/ in a temporary folder unless
# BELEGT_INDEX_DIR (or embeddings/) holds a usable one.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/lib.sh

secs=10
clients="1 8 32"
while getopts "d:c:" opt; do
  case $opt in
    d) secs=$OPTARG ;;
    c) clients=$OPTARG ;;
    *) echo "usage: benches/http.sh [-d SECONDS] [-c \"1 8 32\"] [BIN ...]" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))

ensure_tool wrk wrk "http bench"
bins=("$@")
if ((${#bins[@]} == 0)); then
  ensure_binary
  bins=("$bin")
fi
bin=${bins[0]}

tmp=$(mktemp -d)
servers=()
urls=()
cleanup() {
  for pid in "${servers[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT

ensure_index "$tmp"
prime_lexicon || true  # so that no server embeds it in the background while measured
for i in "${!bins[@]}"; do
  mkdir -p "$tmp/s$i"
  bin=${bins[$i]} start_server "$tmp/s$i"
  servers+=("$server")
  urls+=("$url")
  server=
done

# One Lua script per endpoint; the body field is "question" for ask and "query" for search.
lua() {
  cat <<LUA
local qs = {}
for line in io.lines("$PWD/benches/queries.txt") do
  if line ~= "" then qs[#qs + 1] = line:gsub('\\\\', '\\\\\\\\'):gsub('"', '\\\\"') end
end
local i = 0
local n = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
function setup(thread) n = n + 1; thread:set("offset", n * 37) end
function request()
  i = i + 1
  local q = qs[(i + offset) % #qs + 1]
  return wrk.format(nil, "/api/$1", nil, '{"$2": "' .. q .. '", "k": 5$3}')
end
function done(summary, latency, requests)
  io.write(string.format("RESULT %d %d %d %.1f %.1f %.1f\\n",
    summary.requests, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.requests / (summary.duration / 1e6)))
end
LUA
}
lua search query "" >"$tmp/search.lua"
lua ask question ', "mode": "extractive"' >"$tmp/ask.lua"

echo "date: $(date -u +%Y-%m-%dT%H:%MZ)  commit: $(git rev-parse --short HEAD 2>/dev/null || echo -)"
echo "cpu: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for i in "${!bins[@]}"; do
  echo "server $i: ${bins[$i]} ($(stat -c %y "${bins[$i]}" | cut -d. -f1)) at ${urls[$i]}"
  wrk -t1 -c4 -d2s --timeout 30s -s "$tmp/search.lua" "${urls[$i]}" >/dev/null
done
echo "each cell: ${secs} s of wrk (--timeout 30s), k=5, questions cycled from benches/queries.txt"
printf '%-7s %-12s %7s %9s %9s %9s %9s %7s\n' server endpoint clients requests "p50 ms" "p99 ms" "req/s" errors
status=0
for ep in search ask; do
  for c in $clients; do
    for i in "${!bins[@]}"; do
      threads=$((c < 2 ? 1 : 2))
      out=$(wrk -t$threads -c"$c" -d"${secs}s" --timeout 30s -s "$tmp/$ep.lua" "${urls[$i]}")
      line=$(grep '^RESULT' <<<"$out" || true)
      if [[ -z $line ]]; then echo "$out" >&2; status=1; continue; fi
      read -r _ requests non2xx errors p50 p99 rps <<<"$line"
      printf '%-7s %-12s %7s %9s %9s %9s %9s %7s\n' "$i" "/api/$ep" "$c" "$requests" "$p50" "$p99" "$rps" $((non2xx + errors))
      ((non2xx + errors == 0 && requests > 0)) || status=1
    done
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
for i in "${!servers[@]}"; do
  echo "server $i RSS at the end: $(awk '/^VmRSS/ {printf "%d MB", $2/1024}' "/proc/${servers[$i]}/status"), peak $(awk '/^VmHWM/ {printf "%d MB", $2/1024}' "/proc/${servers[$i]}/status")"
done
exit $status
