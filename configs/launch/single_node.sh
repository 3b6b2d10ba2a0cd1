#!/usr/bin/env bash
# One node, all its GPUs: bash configs/launch/single_node.sh projects.llava.train projects/llava/configs/llava15_7b.py [k=v ...]
# Check the job first: the same command with --dry_run (no GPU needed).
set -euo pipefail
MODULE=$1 CONFIG=$2; shift 2
export OMNI_MODEL_ZOO=${OMNI_MODEL_ZOO:-$PWD/configs/model_zoo.json} OMNI_DATA_ROOT=${OMNI_DATA_ROOT:-$PWD/data}
export WANDB_MODE=${WANDB_MODE:-offline} TOKENIZERS_PARALLELISM=false
GPUS=${GPUS:-$(nvidia-smi -L | wc -l)}
.venv/bin/python -m torch.distributed.run --standalone --nproc_per_node "$GPUS" -m "$MODULE" --config_file "$CONFIG" "$@"
