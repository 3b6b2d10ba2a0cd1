#!/usr/bin/env bash
# What the toy recipe scripts share (sourced, not run): the environment, the record of the run (recipe.json: seed,
# folders, commit, machine, and each step's seconds, which the reports read) and the helpers that fill it.
# The sourcing script sets RUNS, ZOO, NPROC, SCALE and SEED (empty: a recipe without a seed) first.
export HF_HUB_OFFLINE=1 WANDB_MODE=${WANDB_MODE:-offline} TOKENIZERS_PARALLELISM=false OMP_NUM_THREADS=1
PY=.venv/bin/python
# every stage's global batch, whatever NPROC: 8 per process × 2 processes, or 2 accumulated micro-batches on one (with
# NPROC=1 and no accumulation the batch halved, and stage I no longer learnt colour: docs/toyworld.md, session 10)
GLOBAL_BATCH=${GLOBAL_BATCH:-16}
mkdir -p "$RUNS"
RECIPE="$RUNS/recipe.json"
$PY - "$RECIPE" "${SEED:-}" "$ZOO" "$NPROC" "$SCALE" "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" <<'PY'
import json, os, sys
from omni.utils.machine import machine_info
path, seed, zoo, nproc, scale, commit = sys.argv[1:]
json.dump({**({"seed": int(seed)} if seed else {}), "zoo": os.path.abspath(zoo), "nproc": int(nproc),
           "steps_scale": float(scale), "commit": commit, "machine": machine_info(), "times": {}}, open(path, "w"), indent=1)
PY
timed() {  # timed NAME COMMAND...: run and record the wall-clock seconds under NAME
  local name=$1 start; shift; start=$(date +%s)
  "$@"
  $PY - "$RECIPE" "$name" "$(( $(date +%s) - start ))" <<'PY'
import json, sys
path, name, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3])
recipe = json.load(open(path)); recipe["times"][name] = seconds; json.dump(recipe, open(path, "w"), indent=1)
PY
}
steps() { $PY -c "print(max(1, round($1 * $SCALE)))"; }  # steps COUNT: COUNT scaled by STEPS_SCALE
record_total() {  # record_total START: the whole recipe's seconds since START
  $PY - "$RECIPE" "$(( $(date +%s) - $1 ))" <<'PY'
import json, sys
recipe = json.load(open(sys.argv[1])); recipe["times"]["total"] = int(sys.argv[2]); json.dump(recipe, open(sys.argv[1], "w"), indent=1)
PY
}
