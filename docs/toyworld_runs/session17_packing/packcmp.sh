#!/usr/bin/env bash
# Issue 16: toy stages II and III from seed 0's stage I, padded (the recipe's own batches) and packed, side by side,
# one process each, global batch 16 as the recipe; then the toy evaluation of each stage III.
# Usage: bash packcmp.sh VARIANT [OVERRIDE...]   (VARIANT names the folder work_dirs/toy-VARIANT)
set -euo pipefail
cd "$(dirname "$0")"
NPROC=1; SCALE=1.0; SEED=0; ZOO=/work/runs/r/zoo/toy; SRC=/work/runs/r/work_dirs/toy
VARIANT=$1; shift
RUNS=work_dirs/toy-$VARIANT
source scripts/lib/recipe.sh
stage() { local config=$1 count=$2; shift 2
  $PY -m torch.distributed.run --standalone --nproc_per_node 1 -m projects.dreamllm.train \
    --config_file "projects/dreamllm/configs/toy/$config.py" "training.max_steps=$count" "training.seed=42" \
    "training.output_dir='$RUNS/$config'" "training.global_batch_size=$GLOBAL_BATCH" "$@"; }
total_start=$(date +%s)
timed "stage II I-GPT" stage stage2_igpt 500 "model.init_from='$SRC/stage1_comprehension'" \
  "model.merge_from=['$SRC/stage1_creation']" "$@"
timed "stage III SFT" stage stage3_sft 500 "model.init_from='$RUNS/stage2_igpt'" "$@"
timed "eval: stage III" $PY -m projects.dreamllm.eval_toy --model "$RUNS/stage3_sft" --zoo "$ZOO" --data_root data \
  --num 256 --num_stories 64 --num_documents 64 --seed 0
record_total "$total_start"
