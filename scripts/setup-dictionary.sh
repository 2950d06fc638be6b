#!/usr/bin/env bash
# Installs the English–German dictionary belegt uses for English questions: the Ding word
# list (TU Chemnitz, GPL-2+, about 200,000 entries) from Debian's package trans-de-en, as
# ${BELEGT_HOME:-$HOME/.local/share/belegt}/dictionary/de-en. belegt reads the file at run
# time; it is not part of belegt's source or binary.
#
# Uses the system's /usr/share/trans/de-en when the package is installed, else fetches the
# package with `apt-get download` (no root needed; as root, `apt-get update` first when the
# package lists are empty) and unpacks it with dpkg-deb. Idempotent. Without apt, it says
# how to get the file and exits 1; belegt then translates English words by the model alone.
#
#   scripts/setup-dictionary.sh     # prints "dictionary: PATH"
set -euo pipefail

home=${BELEGT_HOME:-$HOME/.local/share/belegt}
dest=$home/dictionary/de-en
system=/usr/share/trans/de-en
die() { printf 'setup-dictionary: error: %s\n' "$*" >&2; exit 1; }

# A Ding list has lines "German :: English"; a damaged or partial file is replaced.
valid() { [[ -s $1 ]] && (($(grep -c ' :: ' "$1") > 100000)); }

if ! valid "$dest"; then
  mkdir -p "$home/dictionary"
  tmp=$(mktemp -d "$home/dictionary/.tmp.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  if valid "$system"; then
    cp "$system" "$tmp/de-en"
  else
    command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null ||
      die "needs apt-get and dpkg-deb (Debian/Ubuntu); elsewhere put Ding's de-en list (https://ftp.tu-chemnitz.de/pub/Local/urz/ding/) at $dest"
    printf 'setup-dictionary: fetching Debian package trans-de-en\n' >&2
    if ! (cd "$tmp" && apt-get download -qq trans-de-en >/dev/null 2>&1); then
      [[ $(id -u) == 0 ]] || die "apt-get download trans-de-en failed; run 'apt-get update' as root, then rerun"
      apt-get update -qq >/dev/null
      (cd "$tmp" && apt-get download -qq trans-de-en >/dev/null 2>&1) || die "apt-get download trans-de-en failed"
    fi
    dpkg-deb -x "$tmp"/trans-de-en_*.deb "$tmp/pkg"
    mv "$tmp/pkg/usr/share/trans/de-en" "$tmp/de-en"
  fi
  valid "$tmp/de-en" || die "the downloaded list is not a Ding de-en list"
  mv -f "$tmp/de-en" "$dest"
fi
printf 'dictionary: %s\n' "$dest"
