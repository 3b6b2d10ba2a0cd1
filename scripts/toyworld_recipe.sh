#!/usr/bin/env bash
# The whole DreamLLM recipe on the toy world, on a CPU: toy world → toy zoo (CLIP, VAE, SD, LLaMA, classifier) →
# stage I comprehension and creation alignment in one run (the LLM training too) → stage II I-GPT → stage III SFT →
# evaluation of the toy SD baseline, DreamLLM after stage I and after all stages → <runs>/report.md, creation_grid.png.
# Usage: bash scripts/toyworld_recipe.sh
#   SEED=0       seeds the zoo's trainers, every stage (training.seed = 42 + SEED) and the evaluation; the toy world
#                itself is the same for every seed (it is the benchmark). SEED=0 writes zoo/toy and work_dirs/toy,
#                SEED=N writes zoo/toy-seedN and work_dirs/toy-seedN (ZOO=..., RUNS=... choose other folders).
#   NPROC=2      processes per stage; STEPS_SCALE=1.0 scales every stage's steps.
set -euo pipefail
cd "$(dirname "$0")/.."
bash install.sh
NPROC=${NPROC:-2}
SCALE=${STEPS_SCALE:-1.0}
SEED=${SEED:-0}
[[ "$SEED" =~ ^[0-9]+$ ]] || { echo "toyworld_recipe.sh: SEED must be a non-negative integer (got '$SEED')" >&2; exit 2; }
SUFFIX=$([ "$SEED" = 0 ] && echo "" || echo "-seed$SEED")
ZOO=${ZOO:-zoo/toy$SUFFIX}
RUNS=${RUNS:-work_dirs/toy$SUFFIX}
source scripts/lib/recipe.sh
train() {  # train CONFIG STEPS [OVERRIDE...]: a stage of the toy configs, in this seed's folders
  local config=$1 count=$2; shift 2
  $PY -m torch.distributed.run --standalone --nproc_per_node "$NPROC" -m projects.dreamllm.train \
    --config_file "projects/dreamllm/configs/toy/$config.py" "training.max_steps=$(steps "$count")" \
    "training.seed=$((42 + SEED))" "training.output_dir='$RUNS/$config'" \
    "training.global_batch_size=$GLOBAL_BATCH" "$@"
}
FROM_ZOO=("model.config.zoo_dir='$ZOO'" "model.tokenizer_name_or_path='$ZOO/llama'")  # stages built, not loaded
total_start=$(date +%s)

[ -f data/toyworld/pairs-train.json ] || timed "toy world" $PY -m omni.data.toyworld --out data/toyworld
# a world written before stage III learnt mixed chats lacks them: added (or rewritten if of an older revision), the
# rest of the world unchanged
$PY -m omni.data.toyworld --out data/toyworld --kinds chats --only_stale
timed "toy zoo" $PY -m omni.zoo build toy --out "$ZOO" --data_root data --seed "$SEED"
# the paper's stage I is two runs with the LLM frozen, merged; on the toy zoo one run with the LLM training is what
# every seed learns from (projects/dreamllm/configs/toy/stage1_joint.py; docs/toyworld.md measures both)
timed "stage I joint" train stage1_joint 2700 "${FROM_ZOO[@]}"
timed "stage II I-GPT" train stage2_igpt 500 "model.init_from='$RUNS/stage1_joint'"
timed "stage III SFT" train stage3_sft 500 "model.init_from='$RUNS/stage2_igpt'"

# 64 free-form documents (about 128 created images): with 16 (about 32 images) the binomial standard error of
# 'all four agree' at 30% is 8 points, as wide as the differences the figure is meant to show
EVAL=(--zoo "$ZOO" --data_root data --num 256 --num_stories 64 --num_documents 64 --seed "$SEED")
timed "eval: toy SD" $PY -m projects.dreamllm.eval_toy --baseline_sd "${EVAL[@]}" --out "$RUNS/toy_sd"
# free-form documents need the stage III chat format: not asked of the stage I model
timed "eval: stage I" $PY -m projects.dreamllm.eval_toy --model "$RUNS/stage1_joint" "${EVAL[@]}" \
  --tasks captions vqa creation interleaved
timed "eval: stage III" $PY -m projects.dreamllm.eval_toy --model "$RUNS/stage3_sft" "${EVAL[@]}"
record_total "$total_start"
$PY -m projects.dreamllm.report_toy --runs "$RUNS" --out "$RUNS/report.md"
echo "report: $RUNS/report.md, images: $RUNS/creation_grid.png"
