#!/usr/bin/env bash
# PostgreSQL + pgvector against the embedded index, side by side in one run: index build
# time of the seeds into each, then /api/search and /api/ask at 1, 8 and 32 clients with
# one server on each backend (benches/http.sh, cells alternating between the servers).
#
#   benches/pg.sh [-d SECONDS]
#
# Starts a throw-away PostgreSQL 18 (scripts/pg.sh) in a temp dir and stops it at the end.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/lib.sh

secs=10
while getopts "d:" opt; do
  case $opt in
    d) secs=$OPTARG ;;
    *) echo "usage: benches/pg.sh [-d SECONDS]" >&2; exit 2 ;;
  esac
done

ensure_binary
work=$(mktemp -d)
cleanup() {
  scripts/pg.sh stop "$work/pg" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
pg_url=$(scripts/pg.sh start "$work/pg")
export BELEGT_INDEX_DIR=$work/index

echo "cpu: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
for target in files postgres; do
  if [[ $target == files ]]; then
    "$bin" index --json >"$work/$target.json"
  else
    "$bin" index --store "$pg_url" --json >"$work/$target.json"
  fi
  python3 - "$target" "$work/$target.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[2])); s = r["seconds"]
print(f"index into {sys.argv[1]:8}: {r['chunks']} passages in {s['total']:.1f} s "
      f"(embed {s['embed']:.1f}, hnsw {s['hnsw']:.2f}, lexical {s['lexical']:.2f}, write {s['write']:.2f})")
PY
done

# The second "binary" is belegt serving from PostgreSQL.
cat >"$work/belegt-postgres" <<SH
#!/bin/sh
exec "$PWD/$bin" "\$@" --store "$pg_url"
SH
chmod +x "$work/belegt-postgres"
echo "server 0 = files ($BELEGT_INDEX_DIR), server 1 = postgres"
benches/http.sh -d "$secs" "$bin" "$work/belegt-postgres"
