#!/usr/bin/env bash
# The whole DreamLLM recipe on the toy world, on a CPU: toy world → toy zoo (CLIP, VAE, SD, LLaMA, classifier) →
# stage I comprehension and creation alignment → stage II I-GPT → stage III SFT → evaluation of the toy SD baseline,
# DreamLLM after stage I and after all stages → work_dirs/toy/report.md and creation_grid.png.
# Usage: bash scripts/toyworld_recipe.sh     (environment: NPROC=2; STEPS_SCALE=1.0 scales every stage's steps)
set -euo pipefail
cd "$(dirname "$0")/.."
bash install.sh
export HF_HUB_OFFLINE=1 WANDB_MODE=${WANDB_MODE:-offline} TOKENIZERS_PARALLELISM=false OMP_NUM_THREADS=1
PY=.venv/bin/python
NPROC=${NPROC:-2}
SCALE=${STEPS_SCALE:-1.0}
RUNS=work_dirs/toy
mkdir -p "$RUNS"
TIMES="$RUNS/times.json"
echo "{}" > "$TIMES"
timed() {  # timed NAME COMMAND...: run and record the wall-clock seconds under NAME
  local name=$1 start; shift; start=$(date +%s)
  "$@"
  $PY - "$TIMES" "$name" "$(( $(date +%s) - start ))" <<'PY'
import json, sys
path, name, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3])
times = json.load(open(path)); times[name] = seconds; json.dump(times, open(path, "w"), indent=1)
PY
}
steps() { $PY -c "print(max(1, round($1 * $SCALE)))"; }
train() {  # train CONFIG STEPS
  $PY -m torch.distributed.run --standalone --nproc_per_node "$NPROC" -m projects.dreamllm.train \
    --config_file "projects/dreamllm/configs/toy/$1.py" "training.max_steps=$(steps "$2")"
}
total_start=$(date +%s)

[ -f data/toyworld/pairs-train.json ] || timed "toy world" $PY -m omni.data.toyworld --out data/toyworld
timed "toy zoo" $PY -m omni.zoo build toy --out zoo/toy --data_root data
timed "stage I comprehension" train stage1_comprehension 600
timed "stage I creation" train stage1_creation 1500
timed "stage II I-GPT" train stage2_igpt 500
timed "stage III SFT" train stage3_sft 500

EVAL=(--zoo zoo/toy --data_root data --num 256 --num_stories 64)
timed "eval: toy SD" $PY -m projects.dreamllm.eval_toy --baseline_sd "${EVAL[@]}"
# free-form documents need the stage III chat format: not asked of the stage I model
timed "eval: stage I" $PY -m projects.dreamllm.eval_toy --model "$RUNS/stage1_comprehension" \
  --merge_from "$RUNS/stage1_creation" "${EVAL[@]}" --tasks captions vqa creation interleaved
timed "eval: stage III" $PY -m projects.dreamllm.eval_toy --model "$RUNS/stage3_sft" "${EVAL[@]}"
$PY - "$TIMES" "$(( $(date +%s) - total_start ))" <<'PY'
import json, sys
times = json.load(open(sys.argv[1])); times["total"] = int(sys.argv[2]); json.dump(times, open(sys.argv[1], "w"), indent=1)
PY
$PY -m projects.dreamllm.report_toy --zoo zoo/toy --runs "$RUNS" --out "$RUNS/report.md" --times "$TIMES"
echo "report: $RUNS/report.md, images: $RUNS/creation_grid.png"
