#!/usr/bin/env bash
# A bounded load test on loopback: `belegt serve` on a free port, 32 concurrent clients
# posting distinct questions (benches/queries.txt) to /api/ask and /api/search.
#
#   scripts/soak.sh [SECONDS]     # default 600
#
# Uses wrk (Debian package; installed when missing and we are root) with a Lua script that
# cycles through the questions. Prints requests, errors (non-2xx and socket errors),
# latency p50/p99 per endpoint, and the server's RSS at start and end. Builds an index of
# seeds/ in a temporary folder unless BELEGT_INDEX_DIR names one. Exits 1 on any error.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/lib.sh

secs=${1:-600}
conns=32
threads=2

ensure_tool wrk wrk "soak"
ensure_binary

tmp=$(mktemp -d)
cleanup() {
  stop_server
  rm -rf "$tmp"
}
trap cleanup EXIT

ensure_index "$tmp"
start_server "$tmp"
rss() { awk '/^VmRSS/ {printf "%d MB", $2/1024}' "/proc/$server/status"; }
rss_start=$(rss)

# One Lua script per endpoint; the body field is "question" for ask and "query" for search.
lua() {
  cat <<LUA
local qs = {}
for line in io.lines("$PWD/benches/queries.txt") do
  if line ~= "" then qs[#qs + 1] = line:gsub('\\\\', '\\\\\\\\'):gsub('"', '\\\\"') end
end
local i = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
function setup(thread) thread:set("offset", math.random(#qs)) end
function request()
  i = i + 1
  local q = qs[(i + offset) % #qs + 1]
  return wrk.format(nil, "/api/$1", nil, '{"$2": "' .. q .. '", "k": 5}')
end
function done(summary, latency, requests)
  io.write(string.format("RESULT requests=%d non2xx=%d errors=%d p50_ms=%.1f p99_ms=%.1f rps=%.1f\\n",
    summary.requests, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.requests / (summary.duration / 1e6)))
end
LUA
}
lua ask question >"$tmp/ask.lua"
lua search query >"$tmp/search.lua"

half=$((conns / 2))
echo "== soak: $conns clients (16 ask, 16 search) for ${secs}s against $url"
wrk -t1 -c$half -d"${secs}s" --timeout 30s -s "$tmp/ask.lua" "$url" >"$tmp/ask.out" &
ask=$!
wrk -t1 -c$half -d"${secs}s" --timeout 30s -s "$tmp/search.lua" "$url" >"$tmp/search.out" &
search=$!
wait $ask $search
rss_end=$(rss)

status=0
for ep in ask search; do
  line=$(grep '^RESULT' "$tmp/$ep.out" || true)
  [[ -n $line ]] || { cat "$tmp/$ep.out" >&2; status=1; continue; }
  echo "/api/$ep: ${line#RESULT }"
  if [[ $line =~ non2xx=([0-9]+)\ errors=([0-9]+) ]] && (( BASH_REMATCH[1] + BASH_REMATCH[2] > 0 )); then
    status=1
  fi
  if [[ $line =~ requests=([0-9]+) ]] && (( BASH_REMATCH[1] == 0 )); then status=1; fi
done
echo "server RSS: start $rss_start, end $rss_end"
kill -0 "$server" 2>/dev/null || { echo "soak: the server died" >&2; status=1; }
exit $status
