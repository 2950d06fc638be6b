#!/usr/bin/env bash
# The OpenAI-compatible facade (/v1/chat/completions, /v1/models) tested with the
# official `openai` Python package (tests/facade/openai_client.py).
#
#   scripts/test-facade.sh
#
# Makes a venv with the pinned `openai` under $BELEGT_HOME/facade-venv (once), builds the
# release binary if there is none, makes sure an index is usable (else builds one in a
# temp dir), then runs the client, which starts and stops `belegt serve` itself.
#
# Environment: BELEGT_BIN (default target/release/belegt), BELEGT_INDEX_DIR and
# BELEGT_SEEDS as for belegt, BELEGT_PYTHON (default python3).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/lib.sh

say() { printf 'facade: %s\n' "$*" >&2; }
die() { printf 'facade: error: %s\n' "$*" >&2; exit 1; }

OPENAI_PIN="openai==3.51.0"
home=${BELEGT_HOME:-$HOME/.local/share/belegt}
venv=$home/facade-venv
python=${BELEGT_PYTHON:-python3}

if [[ ! -f $venv/.belegt-pins || "$(cat "$venv/.belegt-pins")" != "$OPENAI_PIN" ]]; then
  command -v "$python" >/dev/null || die "$python not found; install Python 3.11 or newer"
  say "making $venv with $OPENAI_PIN (PyPI)"
  rm -rf "$venv"
  "$python" -m venv "$venv" || die "cannot make a venv (apt-get install python3-venv)"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "$OPENAI_PIN"
  echo "$OPENAI_PIN" >"$venv/.belegt-pins"
fi

ensure_binary

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ensure_index "$tmp"

"$venv/bin/python" tests/facade/openai_client.py
