#!/usr/bin/env bash
# Schema-based fuzzing of the HTTP API with schemathesis: every operation in
# /openapi.json gets generated requests (valid and invalid); the run fails on any 5xx
# response or any response that does not conform to the schema.
#
#   scripts/fuzz-api.sh [REQUESTS]    # default 10000, spread over the operations
#
# Installs schemathesis (pinned) from PyPI into $BELEGT_HOME/venv-schemathesis, builds an
# index of seeds/ in a temporary folder unless BELEGT_INDEX_DIR names one, starts
# `belegt serve` on a free loopback port and stops it at the end. ST_CHECKS overrides the
# checks (default: not_a_server_error,response_schema_conformance).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/lib.sh

requests=${1:-10000}
checks=${ST_CHECKS:-not_a_server_error,response_schema_conformance}
version=4.32.5
home=${BELEGT_HOME:-$HOME/.local/share/belegt}
venv=$home/venv-schemathesis

if ! [[ -x $venv/bin/schemathesis ]] || ! "$venv/bin/pip" show schemathesis 2>/dev/null | grep -q "^Version: $version$"; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "schemathesis==$version"
fi
ensure_binary

tmp=$(mktemp -d)
cleanup() {
  stop_server
  rm -rf "$tmp"
}
trap cleanup EXIT

ensure_index "$tmp"
start_server "$tmp"

ops=$(curl -sf "$url/openapi.json" | python3 -c '
import json, sys
spec = json.load(sys.stdin)
print(sum(1 for item in spec["paths"].values() for m in item if m in ("get", "post", "put", "patch", "delete")))')
per_op=$(( (requests + ops - 1) / ops ))
echo "== schemathesis $version: $ops operations × up to $per_op examples against $url (checks: $checks)"
status=0
"$venv/bin/schemathesis" run "$url/openapi.json" \
  --checks "$checks" \
  --max-examples "$per_op" \
  --request-timeout 30 \
  --suppress-health-check all \
  --no-color \
  --report ndjson --report-ndjson-path "$tmp/events.ndjson" || status=$?
python3 - "$tmp/events.ndjson" <<'PY' || true
import json, sys
sent = 0
for line in open(sys.argv[1]):
    ev = json.loads(line)
    if "ScenarioFinished" in ev:
        rec = ev["ScenarioFinished"].get("recorder", {})
        sent += sum(len(v) for v in rec.get("interactions", {}).values()) if isinstance(rec.get("interactions"), dict) else 0
print(f"requests sent: {sent}")
PY
if grep -qi panicked "$tmp/serve.err"; then
  echo "fuzz-api: the server log shows a panic:" >&2
  grep -i -m5 panicked "$tmp/serve.err" >&2
  status=1
fi
kill -0 "$server" 2>/dev/null || { echo "fuzz-api: the server died" >&2; status=1; }
exit $status
