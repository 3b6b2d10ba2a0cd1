#!/usr/bin/env bash
# base.sh SEED: main's recipe stage I (comprehension 1200 and creation 1500 side by side, LLM frozen) + stage I eval
set -euo pipefail
cd "$(dirname "$0")/../../.."
SEED=$1
PY=.venv/bin/python
export OMP_NUM_THREADS=1 TOKENIZERS_PARALLELISM=false HF_HUB_OFFLINE=1 WANDB_MODE=offline
ZOO=zoo/toy-seed$SEED; [ "$SEED" = 0 ] && ZOO=zoo/toy
OUT=work_dirs/session19/base/s$SEED
train() { local config=$1 steps=$2 port=$3
  $PY -m torch.distributed.run --standalone --nproc_per_node 1 --master_port $port -m projects.dreamllm.train \
    --config_file projects/dreamllm/configs/toy/$config.py "training.max_steps=$steps" \
    "training.seed=$((42 + SEED))" "training.output_dir='$OUT/$config'" "training.global_batch_size=16" \
    "model.config.zoo_dir='$ZOO'" "model.tokenizer_name_or_path='$ZOO/llama'" > $OUT/$config.log 2>&1
}
mkdir -p $OUT
start=$(date +%s)
train stage1_comprehension 1200 $((29600 + SEED)) & train stage1_creation 1500 $((29700 + SEED)) & wait
echo "train $(( $(date +%s) - start )) s"
start=$(date +%s)
$PY -m projects.dreamllm.eval_toy --model "$OUT/stage1_comprehension" --merge_from "$OUT/stage1_creation" --zoo "$ZOO" \
  --data_root data --num 256 --num_stories 64 --num_documents 64 --seed "$SEED" --tasks captions vqa creation interleaved \
  --out "$OUT/eval"
echo "eval $(( $(date +%s) - start )) s"
