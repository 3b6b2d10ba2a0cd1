#!/usr/bin/env bash
# stage23.sh SEED JOINT_RUN NAME: stages II (500) and III (500) from a joint stage I run (session 19/20: joint.sh), then
# the stage III evaluation, into work_dirs/session21/NAME
set -euo pipefail
cd "$(dirname "$0")/../../.."
SEED=$1 JOINT=$2 NAME=$3
ZOO=zoo/toy-seed$SEED; [ "$SEED" = 0 ] && ZOO=zoo/toy
RUNS=work_dirs/session21/$NAME NPROC=1 SCALE=1.0
source scripts/lib/recipe.sh
train() {
  local config=$1 count=$2; shift 2
  $PY -m torch.distributed.run --standalone --nproc_per_node 1 --master_port $((29600 + SEED)) -m projects.dreamllm.train \
    --config_file "projects/dreamllm/configs/toy/$config.py" "training.max_steps=$count" \
    "training.seed=$((42 + SEED))" "training.output_dir='$RUNS/$config'" \
    "training.global_batch_size=$GLOBAL_BATCH" "$@"
}
timed "stage II I-GPT" train stage2_igpt 500 "model.init_from='$JOINT'" "model.merge_from=[]"
timed "stage III SFT" train stage3_sft 500 "model.init_from='$RUNS/stage2_igpt'"
timed "eval: stage III" $PY -m projects.dreamllm.eval_toy --model "$RUNS/stage3_sft" --zoo "$ZOO" --data_root data \
  --num 256 --num_stories 64 --num_documents 64 --seed "$SEED" --out "$RUNS/stage3_sft/eval"
