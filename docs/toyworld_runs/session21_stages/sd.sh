#!/usr/bin/env bash
# sd.sh SEED: the toy SD baseline's evaluation on this seed's zoo, as the recipe runs it, into work_dirs/toy-seedSEED/toy_sd
set -euo pipefail
cd "$(dirname "$0")/../../.."
SEED=$1 ZOO=zoo/toy-seed$1
export HF_HUB_OFFLINE=1 OMP_NUM_THREADS=1 TOKENIZERS_PARALLELISM=false
.venv/bin/python -m projects.dreamllm.eval_toy --baseline_sd --zoo "$ZOO" --data_root data --num 256 --num_stories 64 \
  --num_documents 64 --seed "$SEED" --out "work_dirs/toy-seed$SEED/toy_sd"
