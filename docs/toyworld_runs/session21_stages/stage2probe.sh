#!/usr/bin/env bash
# stage2probe.sh SEED NAME [OVERRIDES...]: stage II (500 steps) from session 20's joint stage I (mean 2.0) of SEED with
# overrides, then creation evaluated as the recipe does
set -euo pipefail
cd "$(dirname "$0")/../../.."
SEED=$1 NAME=$2; shift 2
ZOO=zoo/toy-seed$SEED; [ "$SEED" = 0 ] && ZOO=zoo/toy
RUNS=work_dirs/session21/probe/$NAME NPROC=1 SCALE=1.0
source scripts/lib/recipe.sh
timed "stage II I-GPT" $PY -m torch.distributed.run --standalone --nproc_per_node 1 --master_port $((29700 + RANDOM % 200)) \
  -m projects.dreamllm.train --config_file projects/dreamllm/configs/toy/stage2_igpt.py "training.max_steps=500" \
  "training.seed=$((42 + SEED))" "training.output_dir='$RUNS'" "training.global_batch_size=$GLOBAL_BATCH" \
  "model.init_from='work_dirs/session19/joint/s$SEED-t2'" "model.merge_from=[]" "$@"
timed "eval: stage II" $PY -m projects.dreamllm.eval_toy --model "$RUNS" --zoo "$ZOO" --data_root data --num 256 \
  --seed "$SEED" --tasks captions creation --out "$RUNS/eval"
