#!/usr/bin/env bash
# Installs the two word lists belegt reads at run time (neither is part of belegt's source
# or binary), under ${BELEGT_HOME:-$HOME/.local/share/belegt}/dictionary/:
#   de-en              the English–German dictionary for English questions: the Ding word
#                      list (TU Chemnitz, GPL-2+, about 200,000 entries), Debian package
#                      trans-de-en
#   openthesaurus.txt  the German thesaurus for comparisons' synonyms: OpenThesaurus
#                      (Daniel Naber, LGPL-2.1, about 34,000 synonym sets), Debian package
#                      openthesaurus-de-text
#
# Uses the system's copy when the package is installed, else fetches the package with
# `apt-get download` (no root needed; as root, `apt-get update` first when the package
# lists are empty) and unpacks it with dpkg-deb. Idempotent; a damaged or partial file is
# replaced, and a file appears only complete (moved into place). Without apt, it says how
# to get the files and exits 1; belegt then runs without them (English words are
# translated by the model alone, comparisons match the topic's own words).
#
#   scripts/setup-dictionary.sh     # prints "dictionary: PATH" and "thesaurus: PATH"
set -euo pipefail

home=${BELEGT_HOME:-$HOME/.local/share/belegt}
die() { printf 'setup-dictionary: error: %s\n' "$*" >&2; exit 1; }

# A Ding list has lines "German :: English".
valid_de_en() { [[ -s $1 ]] && (($(grep -c ' :: ' "$1") > 100000)); }
# OpenThesaurus has one synonym set a line, members separated by ";".
valid_thesaurus() { [[ -s $1 ]] && (($(grep -c ';' "$1") > 20000)); }

# word_list LABEL NAME PACKAGE FILE-IN-PACKAGE CHECK WHERE-ELSE
word_list() {
  local label=$1 name=$2 package=$3 system=$4 check=$5 url=$6
  local dest=$home/dictionary/$name
  if ! "$check" "$dest"; then
    mkdir -p "$home/dictionary"
    local tmp
    tmp=$(mktemp -d "$home/dictionary/.tmp.XXXXXX")
    # shellcheck disable=SC2064  # expand now: tmp is local
    trap "rm -rf '$tmp'" EXIT
    if "$check" "$system"; then
      cp "$system" "$tmp/$name"
    else
      command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null ||
        die "needs apt-get and dpkg-deb (Debian/Ubuntu); elsewhere put $url at $dest"
      printf 'setup-dictionary: fetching Debian package %s\n' "$package" >&2
      if ! (cd "$tmp" && apt-get download -qq "$package" >/dev/null 2>&1); then
        [[ $(id -u) == 0 ]] || die "apt-get download $package failed; run 'apt-get update' as root, then rerun"
        apt-get update -qq >/dev/null
        (cd "$tmp" && apt-get download -qq "$package" >/dev/null 2>&1) || die "apt-get download $package failed"
      fi
      dpkg-deb -x "$tmp/${package}"_*.deb "$tmp/pkg"
      mv "$tmp/pkg$system" "$tmp/$name"
    fi
    "$check" "$tmp/$name" || die "the file from $package is not the expected word list"
    mv -f "$tmp/$name" "$dest"
    rm -rf "$tmp"
    trap - EXIT
  fi
  printf '%s: %s\n' "$label" "$dest"
}

word_list dictionary de-en trans-de-en /usr/share/trans/de-en valid_de_en \
  "Ding's de-en list (https://ftp.tu-chemnitz.de/pub/Local/urz/ding/)"
word_list thesaurus openthesaurus.txt openthesaurus-de-text \
  /usr/share/openthesaurus-de/openthesaurus.txt valid_thesaurus \
  "OpenThesaurus's text export (https://www.openthesaurus.de/about/download)"
