# Shared pieces of the test and benchmark scripts; source it after `cd` to the project.
#
#   ensure_binary        builds target/release/belegt (or $BELEGT_BIN) when missing; sets $bin
#   ensure_index DIR     keeps a usable index ($BELEGT_INDEX_DIR or embeddings/), else builds
#                        one in DIR/index and exports BELEGT_INDEX_DIR
#   prime_lexicon        embeds the index's vocabulary for English questions now (kept
#                        beside the index), so that a server does not do it in the
#                        background while it is being measured or tested
#   start_server DIR     runs `belegt serve` on a free loopback port, waits for its
#                        `listening on` line; sets $server (pid) and $url; logs in DIR
#   await_listening PID OUT ERR  waits until process PID prints `listening on URL` to
#                        file OUT (else shows file ERR, exit 1); sets $url
#   stop_server          stops it (SIGTERM) and waits
#   ensure_tool CMD PKG WHO  installs Debian package PKG when CMD is missing and we are
#                        root; else one line on stderr (WHO: the script's name), exit 1
#   bench_venv           Python fastembed==0.9.1 + onnxruntime==1.24.4 in
#                        $BELEGT_HOME/venv-bench (installed once); sets $venv
#   bench_passages FILE [N]  N passages (default 100) of 150 words from seeds/, as JSON
#                        (repeated when the seeds hold fewer)

ensure_binary() {
  bin=${BELEGT_BIN:-target/release/belegt}
  if [[ ! -x $bin ]]; then
    command -v cargo >/dev/null || { echo "$bin is missing and cargo is not installed: run scripts/setup.sh" >&2; exit 1; }
    echo "building belegt (release)" >&2
    cargo build --release --locked --quiet
  fi
  export BELEGT_BIN=$bin
}

ensure_index() {
  if ! "$bin" search -k 1 --json "Polizei" >/dev/null 2>&1; then
    echo "no usable index: building one in $1/index" >&2
    BELEGT_INDEX_DIR=$1/index "$bin" index >/dev/null 2>"$1/index.err" || { cat "$1/index.err" >&2; exit 1; }
    export BELEGT_INDEX_DIR=$1/index
  fi
}

prime_lexicon() {
  "$bin" compare "Which states use AI in the police?" >/dev/null
}

server=
url=
start_server() {
  "$bin" serve --addr 127.0.0.1:0 >"$1/serve.out" 2>"$1/serve.err" &
  server=$!
  await_listening "$server" "$1/serve.out" "$1/serve.err"
}

await_listening() {
  for _ in $(seq 600); do
    grep -q '^listening on' "$2" 2>/dev/null && break
    kill -0 "$1" 2>/dev/null || { cat "$3" >&2; exit 1; }
    sleep 0.1
  done
  url=$(sed -n 's/^listening on //p' "$2" | head -1)
  [[ -n $url ]] || { echo "no 'listening on' line from pid $1 within 60 s" >&2; cat "$3" >&2; exit 1; }
}

stop_server() {
  if [[ -n $server ]]; then
    kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
    server=
  fi
  return 0
}

bench_venv() {
  venv=${BELEGT_HOME:-$HOME/.local/share/belegt}/venv-bench
  local pins=(fastembed==0.9.1 onnxruntime==1.24.4)
  if [[ ! -f $venv/.pins || $(cat "$venv/.pins") != "${pins[*]}" ]]; then
    echo "installing ${pins[*]} into $venv" >&2
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q "${pins[@]}"
    echo "${pins[*]}" >"$venv/.pins"
  fi
}

bench_passages() {
  python3 - "$1" "${2:-100}" <<'PY'
import json, pathlib, sys
n = int(sys.argv[2])
words = " ".join(p.read_text(encoding="utf-8") for p in sorted(pathlib.Path("seeds").glob("*.txt"))).split()
passages = [" ".join(words[i:i + 150]) for i in range(0, len(words) - 149, 150)]
passages = [passages[i % len(passages)] for i in range(n)]  # repeated when N is larger
json.dump(passages, open(sys.argv[1], "w", encoding="utf-8"), ensure_ascii=False)
PY
}

ensure_tool() {
  command -v "$1" >/dev/null && return 0
  if [[ $(id -u) == 0 ]]; then
    apt-get install -y -qq "$2" >/dev/null || { apt-get update -qq && apt-get install -y -qq "$2" >/dev/null; }
  else
    echo "$3: $1 is missing (apt-get install $2)" >&2
    exit 1
  fi
}
