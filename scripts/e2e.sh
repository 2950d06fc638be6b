#!/usr/bin/env bash
# Browser tests of the web chat (tests/e2e/): Debian's chromium driven by playwright-core.
#
#   scripts/e2e.sh
#
# Installs what is missing (chromium from Debian when run as root, playwright-core from
# package-lock.json, the offline model via setup-model.sh), builds the release binary if
# there is none, makes sure an index is usable (else builds one in a temp dir), then runs
# `node --test tests/e2e/`, which starts `belegt serve` on a free port itself.
# Screenshots land in tests/e2e/screenshots/.
#
# Environment: BELEGT_BIN (default target/release/belegt), BELEGT_INDEX_DIR and
# BELEGT_SEEDS as for belegt, CHROMIUM (default /usr/bin/chromium).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/lib.sh

say() { printf 'e2e: %s\n' "$*" >&2; }
die() { printf 'e2e: error: %s\n' "$*" >&2; exit 1; }

chromium=${CHROMIUM:-/usr/bin/chromium}
if [[ ! -x $chromium ]]; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    say "installing chromium (Debian)"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    die "$chromium is missing: install Debian's chromium (apt-get install chromium), then rerun"
  fi
fi

command -v node >/dev/null || die "node not found: install Node.js 20 or newer, then rerun"
node_major=$(node -p 'process.versions.node.split(".")[0]')
((node_major >= 20)) || die "Node.js $(node --version) is too old: playwright-core needs 20 or newer"

if [[ ! -f node_modules/playwright-core/package.json ]]; then
  say "installing playwright-core (npm ci; no browser download)"
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
fi

scripts/setup-model.sh >/dev/null

ensure_binary

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ensure_index "$tmp"

node --test tests/e2e/
