#!/usr/bin/env bash
# Checks the dependency graph with cargo-deny: licenses, banned crates, sources
# (deny.toml). Installs cargo-deny (pinned) from crates.io when missing.
#
#   scripts/deny.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

version=0.20.2
if ! cargo deny --version 2>/dev/null | grep -q " $version"; then
  echo "deny: installing cargo-deny $version (crates.io; a few minutes the first time)" >&2
  cargo install --locked --quiet "cargo-deny@$version"
fi
cargo deny --log-level error check licenses bans sources
