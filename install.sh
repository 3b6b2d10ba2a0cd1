#!/usr/bin/env bash
# Creates a virtual environment and installs Omni into it in editable mode.
# Idempotent: a second run with the same options and the same pyproject.toml only checks a stamp file.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: bash install.sh [--env_name=DIR] [--py_ver=3.X] [--cuda=cpu|121|124|128] [--torch_dir=DIR] [--dev] [-h|--help]

  --env_name   virtual environment directory (default: .venv)
  --py_ver     python version used to create the environment, e.g. 3.11 (default: the python3 on PATH)
  --cuda       "cpu" (default when no NVIDIA GPU is visible) pins the CPU build torch==2.13.0;
               a CUDA tag such as 121, 124 or 128 installs torch from the matching PyTorch index
               and the `gpu` extra (flash-attn)
  --torch_dir  install torch from a folder of wheel files (overrides --cuda for torch itself)
  --dev        also install the test tools (pytest, ruff)
  -h, --help   show this help

Example: bash install.sh --env_name=.venv --py_ver=3.11 --dev
USAGE
}

ENV_NAME=.venv
PY_VER=""
CUDA=""
TORCH_DIR=""
DEV=0
TORCH_VERSION=2.13.0

for arg in "$@"; do
  case "$arg" in
    --env_name=*) ENV_NAME="${arg#*=}" ;;
    --py_ver=*) PY_VER="${arg#*=}" ;;
    --cuda=*) CUDA="${arg#*=}" ;;
    --torch_dir=*) TORCH_DIR="${arg#*=}" ;;
    --dev) DEV=1 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "install.sh: unknown option '$arg'" >&2; usage >&2; exit 2 ;;
  esac
done

if [ -z "$CUDA" ]; then
  if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
    CUDA=$(nvidia-smi | sed -n 's/.*CUDA Version: \([0-9]*\)\.\([0-9]*\).*/\1\2/p' | head -n1)
    echo "install.sh: NVIDIA GPU found, using CUDA tag ${CUDA:-cpu}"
  fi
  CUDA=${CUDA:-cpu}
fi
if [[ "$CUDA" != "cpu" && ! "$CUDA" =~ ^[0-9]{3}$ ]]; then
  echo "install.sh: --cuda must be 'cpu' or a tag such as 121, 124, 128 (got '$CUDA')" >&2
  exit 2
fi

PYTHON=python3
if [ -n "$PY_VER" ]; then
  PYTHON="python$PY_VER"
  command -v "$PYTHON" >/dev/null 2>&1 || { echo "install.sh: $PYTHON not found on PATH" >&2; exit 2; }
fi

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here"

stamp_key=$(cat pyproject.toml install.sh | sha256sum | cut -c1-16)-$CUDA-$TORCH_DIR
stamp="$ENV_NAME/.omni-install-stamp"
dev_stamp="$ENV_NAME/.omni-install-dev"
# Up to date: same pyproject, installer and options (an environment with the dev tools also serves a plain install).
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$stamp_key" ] && { [ "$DEV" = 0 ] || [ -f "$dev_stamp" ]; } \
   && "$ENV_NAME/bin/python" -c "import omni" 2>/dev/null; then
  echo "install.sh: $ENV_NAME is up to date"
  exit 0
fi
[ -f "$dev_stamp" ] && DEV=1  # never drop the dev tools from an environment that has them

if [ ! -x "$ENV_NAME/bin/python" ]; then
  echo "install.sh: creating $ENV_NAME with $($PYTHON --version)"
  "$PYTHON" -m venv "$ENV_NAME"
fi
PIP=("$ENV_NAME/bin/python" -m pip --disable-pip-version-check -q)
export PIP_NO_INPUT=1

# torch first, so that the project's own requirement finds it satisfied.
if [ -n "$TORCH_DIR" ]; then
  "${PIP[@]}" install --no-index --find-links "$TORCH_DIR" torch
elif [ "$CUDA" = "cpu" ]; then
  "${PIP[@]}" install "torch==$TORCH_VERSION"
else
  "${PIP[@]}" install "torch==$TORCH_VERSION" --index-url "https://download.pytorch.org/whl/cu$CUDA"
fi

extras=()
[ "$DEV" = 1 ] && extras+=(dev)
[ "$CUDA" != "cpu" ] && extras+=(gpu)
spec="."
if [ ${#extras[@]} -gt 0 ]; then spec=".[$(IFS=,; echo "${extras[*]}")]"; fi
echo "install.sh: installing omni ($spec) into $ENV_NAME"
"${PIP[@]}" install -e "$spec"

echo "$stamp_key" > "$stamp"
if [ "$DEV" = 1 ]; then touch "$dev_stamp"; fi
echo "install.sh: done. Activate with: source $ENV_NAME/bin/activate"
