#!/usr/bin/env bash
# The PostgreSQL backend against a real PostgreSQL 18 + pgvector (scripts/pg.sh, from
# PyPI): starts a primary on a free loopback port in a temp dir, runs the integration
# tests that need it (tests/it/pg.rs, ignored by plain `cargo test`), compares answer
# quality on the dev set with the index folder when ../shared/eval/dev.jsonl is there,
# and stops the server.
#
#   scripts/test-postgres.sh
#
# Environment: BELEGT_BIN (default target/release/belegt), BELEGT_INDEX_DIR as for belegt.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/lib.sh

say() { printf 'postgres: %s\n' "$*" >&2; }

pgtmp=$(mktemp -d)
cleanup() {
  scripts/pg.sh stop "$pgtmp/primary" 2>/dev/null || true
  rm -rf "$pgtmp"
}
trap cleanup EXIT
pg_url=$(scripts/pg.sh start "$pgtmp/primary")
say "PostgreSQL at $pg_url"
export BELEGT_TEST_PG_DATA=$pgtmp/primary

BELEGT_TEST_PG_URL=$pg_url cargo test --release --locked --test it pg:: -- --include-ignored

ensure_binary
bin=${BELEGT_BIN:-target/release/belegt}
dev=../shared/eval/dev.jsonl
if [[ -f $dev ]]; then
  ensure_index "$pgtmp"
  "$bin" index --store "$pg_url" >/dev/null
  "$bin" eval --file "$dev" --json >"$pgtmp/files.json"
  "$bin" eval --store "$pg_url" --file "$dev" --json >"$pgtmp/pg.json"
  python3 - "$pgtmp/files.json" "$pgtmp/pg.json" <<'PY'
import json, sys
files, pg = (json.load(open(p))["overall"] for p in sys.argv[1:3])
bad = []
for k in ("recall_at_5", "mrr"):
    print(f"postgres: {k}: files {files[k]:.3f}, postgres {pg[k]:.3f}")
    if abs(files[k] - pg[k]) > 0.01:
        bad.append(k)
if bad:
    sys.exit(f"postgres: {', '.join(bad)} differ by more than 0.01")
PY
fi
