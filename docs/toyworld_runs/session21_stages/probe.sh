#!/usr/bin/env bash
# probe.sh STAGE SEED NAME [OVERRIDES...]: one stage (2 or 3, 500 steps) of SEED with overrides, into
# work_dirs/session21/probe/NAME, then its evaluation. Stage 2 starts from session 20's joint stage I
# (work_dirs/session19/joint/s<SEED>-t2) and is judged on captions and creation; stage 3 from stage23.sh's stage II
# (FROM=<run>: another) and is judged on captions, VQA, creation and chats.
set -euo pipefail
cd "$(dirname "$0")/../../.."
STAGE=$1 SEED=$2 NAME=$3; shift 3
ZOO=zoo/toy-seed$SEED; [ "$SEED" = 0 ] && ZOO=zoo/toy
RUNS=work_dirs/session21/probe/$NAME NPROC=1 SCALE=1.0
source scripts/lib/recipe.sh
if [ "$STAGE" = 2 ]; then
  CONFIG=stage2_igpt FROM=work_dirs/session19/joint/s$SEED-t2 EXTRA=("model.merge_from=[]") TASKS=(captions creation)
else
  CONFIG=stage3_sft FROM=${FROM:-work_dirs/session21/s$SEED/stage2_igpt} EXTRA=() TASKS=(captions vqa creation chats)
fi
timed "stage $STAGE" $PY -m torch.distributed.run --standalone --nproc_per_node 1 --master_port $((29700 + RANDOM % 200)) \
  -m projects.dreamllm.train --config_file "projects/dreamllm/configs/toy/$CONFIG.py" "training.max_steps=500" \
  "training.seed=$((42 + SEED))" "training.output_dir='$RUNS'" "training.global_batch_size=$GLOBAL_BATCH" \
  "model.init_from='$FROM'" "${EXTRA[@]}" "$@"
timed "eval: stage $STAGE" $PY -m projects.dreamllm.eval_toy --model "$RUNS" --zoo "$ZOO" --data_root data --num 256 \
  --num_stories 64 --num_documents 64 --seed "$SEED" --tasks "${TASKS[@]}" --out "$RUNS/eval"
