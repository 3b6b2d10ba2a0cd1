#!/usr/bin/env bash
# joint.sh SEED STEPS NAME [OVERRIDES...]: stage I in one run (pairs both ways) with the LLM training at 2e-4, then the
# stage I evaluation (captions, VQA, creation, interleaved); the recipe's environment and record (recipe.json)
# Since session 21 the stage1_joint config's own timestep mean is 2.0 (session 20's lead): session 19's runs had
# 1.0, so add "model.config.timestep_logit_mean=1.0" to reproduce them.
set -euo pipefail
cd "$(dirname "$0")/../../.."
SEED=$1 STEPS=$2 NAME=$3; shift 3
ZOO=zoo/toy-seed$SEED; [ "$SEED" = 0 ] && ZOO=zoo/toy
RUNS=work_dirs/session19/joint/$NAME NPROC=1 SCALE=1.0
source scripts/lib/recipe.sh
timed "stage I joint" $PY -m torch.distributed.run --standalone --nproc_per_node 1 --master_port $((29500 + SEED)) \
  -m projects.dreamllm.train --config_file projects/dreamllm/configs/toy/stage1_joint.py "training.max_steps=$STEPS" \
  "training.seed=$((42 + SEED))" "training.output_dir='$RUNS'" "training.global_batch_size=$GLOBAL_BATCH" \
  "model.config.zoo_dir='$ZOO'" "model.tokenizer_name_or_path='$ZOO/llama'" \
  "training.trainable=['plugins.vision_encoder.projector.*','plugins.dream_queries.*','plugins.diffusion_head.condition_projector.*','llm.*']" \
  "training.learning_rates={llm.*:2e-4}" "$@"
timed "eval: stage I" $PY -m projects.dreamllm.eval_toy --model "$RUNS" --zoo "$ZOO" --data_root data --num 256 \
  --num_stories 64 --num_documents 64 --seed "$SEED" --tasks captions vqa creation interleaved --out "$RUNS/eval"
