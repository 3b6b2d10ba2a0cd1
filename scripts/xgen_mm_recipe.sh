#!/usr/bin/env bash
# xGen-MM on the toy world, on a CPU: the optional toy-world datasets (detail canvases, two-picture questions,
# preferences, safety) → the toy SigLIP in the toy zoo → stage 1 captions → stage 2 any-resolution multi-image SFT
# and its single-view twin → stage 3 DPO with LoRA → merge → stage 4 safety with LoRA → toy evaluation of each →
# <runs>/report.md. The rest of the toy zoo (LLaMA, classifier) is reused if built (scripts/toyworld_recipe.sh).
# Usage: bash scripts/xgen_mm_recipe.sh      NPROC=2 processes per stage; STEPS_SCALE=1.0 scales every stage's steps;
#   ZOO=zoo/toy, RUNS=work_dirs/xgen_mm_toy, EVAL_NUM=256 test items per task; ZOO_SCALE=tiny builds random-quality
#   stand-ins (with STEPS_SCALE=0.01 and a small toy world: a smoke test of the script).
set -euo pipefail
cd "$(dirname "$0")/.."
bash install.sh
NPROC=${NPROC:-2}
SCALE=${STEPS_SCALE:-1.0}
ZOO=${ZOO:-zoo/toy}
RUNS=${RUNS:-work_dirs/xgen_mm_toy}
SEED=
source scripts/lib/recipe.sh
train() {  # train CONFIG STEPS [OVERRIDE...]
  local config=$1 count=$2; shift 2
  $PY -m torch.distributed.run --standalone --nproc_per_node "$NPROC" -m projects.xgen_mm.train \
    --config_file "projects/xgen_mm/configs/toy/$config.py" "training.max_steps=$(steps "$count")" \
    "training.output_dir='$RUNS/$config'" \
    "training.global_batch_size=$GLOBAL_BATCH" "$@"
}
FROM_ZOO=("model.config.zoo_dir='$ZOO'" "model.tokenizer_name_or_path='$ZOO/llama'")
evaluate() {  # evaluate RUN TASKS...
  local run=$1; shift
  $PY -m omni.eval.toyworld --model "$RUNS/$run" --zoo "$ZOO" --data_root data --num "${EVAL_NUM:-256}" --tasks "$@"
}
total_start=$(date +%s)
[ -f data/toyworld/pairs-train.json ] || timed "toy world" $PY -m omni.data.toyworld --out data/toyworld
# the optional datasets, written if missing or older than the generator's revision (a quick check otherwise)
timed "toy world: xGen-MM datasets" \
  $PY -m omni.data.toyworld --out data/toyworld --kinds detail multi preferences safety --only_stale
timed "toy zoo: LLaMA, SigLIP, classifier" $PY -m omni.zoo build toy --out "$ZOO" --data_root data --only llama siglip classifier \
  --scale "${ZOO_SCALE:-full}"
timed "stage 1 pretraining" train stage1_pretrain 600 "${FROM_ZOO[@]}"
MERGE1=("model.merge_from=['$RUNS/stage1_pretrain']")
timed "stage 2 SFT, any-resolution" train stage2_sft 1600 "${FROM_ZOO[@]}" "${MERGE1[@]}"
timed "stage 2 SFT, one view" train stage2_sft_single_view 1600 "${FROM_ZOO[@]}" "${MERGE1[@]}"
timed "stage 3 DPO" train stage3_dpo 300 "model.init_from='$RUNS/stage2_sft'"
timed "merge DPO adapters" $PY -m omni merge_lora --model "$RUNS/stage3_dpo" --out "$RUNS/stage3_dpo_merged"
timed "stage 4 safety" train stage4_safety 300 "model.init_from='$RUNS/stage3_dpo_merged'"
timed "eval: SFT, one view" evaluate stage2_sft_single_view vqa detail multi hallucination safety
timed "eval: SFT, any-resolution" evaluate stage2_sft vqa detail multi hallucination safety
timed "eval: DPO" evaluate stage3_dpo vqa hallucination safety
timed "eval: safety" evaluate stage4_safety vqa hallucination safety
record_total "$total_start"
$PY -m projects.xgen_mm.report --runs "$RUNS" --out "$RUNS/report.md"
