#!/usr/bin/env bash
# base.sh SEED: main's recipe stage I (comprehension 1200 and creation 1500 side by side, LLM frozen) + stage I eval;
# the recipe's environment and record (recipe.json)
set -euo pipefail
cd "$(dirname "$0")/../../.."
SEED=$1
ZOO=zoo/toy-seed$SEED; [ "$SEED" = 0 ] && ZOO=zoo/toy
RUNS=work_dirs/session19/base/s$SEED NPROC=1 SCALE=1.0
source scripts/lib/recipe.sh
train() {  # train CONFIG STEPS PORT: one stage I half from the zoo, its log beside its folder
  local config=$1 steps=$2 port=$3
  $PY -m torch.distributed.run --standalone --nproc_per_node 1 --master_port "$port" -m projects.dreamllm.train \
    --config_file "projects/dreamllm/configs/toy/$config.py" "training.max_steps=$steps" \
    "training.seed=$((42 + SEED))" "training.output_dir='$RUNS/$config'" "training.global_batch_size=$GLOBAL_BATCH" \
    "model.config.zoo_dir='$ZOO'" "model.tokenizer_name_or_path='$ZOO/llama'" > "$RUNS/$config.log" 2>&1
}
both_halves() { train stage1_comprehension 1200 $((29600 + SEED)) & train stage1_creation 1500 $((29700 + SEED)) & wait; }
timed "stage I side by side" both_halves
timed "eval: stage I" $PY -m projects.dreamllm.eval_toy --model "$RUNS/stage1_comprehension" \
  --merge_from "$RUNS/stage1_creation" --zoo "$ZOO" --data_root data --num 256 --num_stories 64 --num_documents 64 \
  --seed "$SEED" --tasks captions vqa creation interleaved --out "$RUNS/eval"
