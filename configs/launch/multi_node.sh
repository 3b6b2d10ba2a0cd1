#!/usr/bin/env bash
# Several nodes with torchrun's rendezvous: run the same line on every node, with the same MASTER_ADDR and NNODES.
#   NNODES=16 MASTER_ADDR=node001 bash configs/launch/multi_node.sh projects.dreamllm.train projects/dreamllm/configs/dreamllm_7b.py
# Check it first on any machine: python -m <module> --config_file <config> --dry_run --world_size $((NNODES * 8))
set -euo pipefail
MODULE=$1 CONFIG=$2; shift 2
: "${NNODES:?set NNODES}" "${MASTER_ADDR:?set MASTER_ADDR (the first node)}"
export OMNI_MODEL_ZOO=${OMNI_MODEL_ZOO:-$PWD/configs/model_zoo.json} OMNI_DATA_ROOT=${OMNI_DATA_ROOT:-$PWD/data}
export WANDB_MODE=${WANDB_MODE:-offline} TOKENIZERS_PARALLELISM=false
GPUS=${GPUS:-$(nvidia-smi -L | wc -l)}
.venv/bin/python -m torch.distributed.run --nnodes "$NNODES" --nproc_per_node "$GPUS" \
  --rdzv_backend c10d --rdzv_endpoint "$MASTER_ADDR:${MASTER_PORT:-29500}" --rdzv_id "${RUN_ID:-omni}" \
  -m "$MODULE" --config_file "$CONFIG" "$@"
