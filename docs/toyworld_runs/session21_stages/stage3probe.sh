#!/usr/bin/env bash
# stage3probe.sh SEED NAME [OVERRIDES...]: stage III (500 steps) from stage23.sh's stage II of SEED (FROM=<run>: another),
# then captions, VQA, creation and chats evaluated as the recipe does
set -euo pipefail
cd "$(dirname "$0")/../../.."
SEED=$1 NAME=$2; shift 2
ZOO=zoo/toy-seed$SEED; [ "$SEED" = 0 ] && ZOO=zoo/toy
RUNS=work_dirs/session21/probe/$NAME NPROC=1 SCALE=1.0
source scripts/lib/recipe.sh
timed "stage III SFT" $PY -m torch.distributed.run --standalone --nproc_per_node 1 --master_port $((29700 + RANDOM % 200)) \
  -m projects.dreamllm.train --config_file projects/dreamllm/configs/toy/stage3_sft.py "training.max_steps=500" \
  "training.seed=$((42 + SEED))" "training.output_dir='$RUNS'" "training.global_batch_size=$GLOBAL_BATCH" \
  "model.init_from='${FROM:-work_dirs/session21/s$SEED/stage2_igpt}'" "$@"
timed "eval: stage III" $PY -m projects.dreamllm.eval_toy --model "$RUNS" --zoo "$ZOO" --data_root data --num 256 \
  --num_stories 64 --num_documents 64 --seed "$SEED" --tasks captions vqa creation chats --out "$RUNS/eval"
