#!/usr/bin/env bash
# The prepared GPU check (issue 16), for a lent GPU machine, under 8 minutes: bf16 with SDPA (and flash-attn's varlen
# path if it imports), a DreamLLM-shaped ~2.3B step with the LLM sharded by FSDP2, MFU against the datasheet peak,
# packed against padded, peak memory. Figures: $OUT_DIR/gpu_check.json and gpu_check.md (default gpu_check/).
#
# The device machine has PyTorch but not all of Omni's dependencies, and cannot download: first, here,
#   bash scripts/gpu_check.sh --wheels      # downloads them into .whl/ (ignored by git, about 21 MB)
# then on the device machine (carry .whl):
#   bash scripts/gpu_check.sh               # installs .whl/ into /tmp/site if present, runs scripts/gpu_check.py
set -euo pipefail
cd "$(dirname "$0")/.."
WHEELS=(diffusers==0.42.1 transformers==5.24.0 webdataset==1.0.2 braceexpand==0.1.7 omegaconf==2.3.1 hydra-core==1.3.8
        huggingface_hub==2.4.0)
if [ "${1:-}" = "--wheels" ]; then
  PY=${PY:-.venv/bin/python}
  mkdir -p .whl
  $PY -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 -d .whl "${WHEELS[@]}"
  $PY -m pip wheel -q --no-deps -w .whl antlr4-python3-runtime==4.9.3  # omegaconf's parser: an sdist only
  du -sh .whl
  exit 0
fi
PY=${PY:-python3}
if compgen -G ".whl/*.whl" > /dev/null; then
  $PY -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
  export PYTHONPATH=/tmp/site:$PWD
else
  export PYTHONPATH=$PWD
fi
export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv || true
$PY scripts/gpu_check.py --out "${OUT_DIR:-gpu_check}" "$@"
