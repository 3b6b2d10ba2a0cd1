#!/usr/bin/env bash
# The toy stage-I recipe end to end on a CPU: toy world → stage I comprehension and creation alignment (torchrun,
# 2 processes, FSDP2) → a caption of a held-out image and an image created from text, written to $OUT.
# Usage: bash scripts/toyworld_stage1.sh [STEPS]   (environment: NPROC=2, OUT=work_dirs/toy_stage1)
set -euo pipefail
cd "$(dirname "$0")/.."
bash install.sh
export HF_HUB_OFFLINE=1 WANDB_MODE=${WANDB_MODE:-offline} TOKENIZERS_PARALLELISM=false OMP_NUM_THREADS=1
PY=.venv/bin/python
STEPS=${1:-300}
NPROC=${NPROC:-2}
OUT=${OUT:-work_dirs/toy_stage1}
start=$(date +%s)

if [ ! -f data/toyworld/pairs-train.json ]; then
  $PY -m omni.data.toyworld --out data/toyworld --num 20000 --num_test 1000 --seed 0
fi

for stage in comprehension creation; do
  echo "== stage I $stage alignment: $STEPS steps on $NPROC processes"
  $PY -m torch.distributed.run --standalone --nproc_per_node "$NPROC" -m projects.dreamllm.train \
    --config_file "projects/dreamllm/configs/tiny/stage1_$stage.py" \
    "training.max_steps=$STEPS" "training.output_dir='$OUT/$stage'"
done

echo "== inference"
$PY - "$OUT" <<'PY'
import io, json, sys, tarfile
from pathlib import Path
from PIL import Image
out = Path(sys.argv[1])
shard = json.loads(Path("data/toyworld/pairs-test.json").read_text())["shards"][0]
with tarfile.open(Path("data/toyworld") / shard) as tar:
    members = {m.name: m for m in tar.getmembers()}
    key = sorted(n for n in members if n.endswith(".png"))[0][:-4]
    Image.open(io.BytesIO(tar.extractfile(members[key + ".png"]).read())).save(out / "heldout.png")
    (out / "heldout.txt").write_text(tar.extractfile(members[key + ".txt"]).read().decode())
PY
echo "held-out image: $OUT/heldout.png  (true caption: $(cat "$OUT/heldout.txt"))"
$PY -m projects.dreamllm.inference --model "$OUT/comprehension" --image "$OUT/heldout.png" \
  --prompt "Describe the image." | tee "$OUT/caption.txt"
$PY -m projects.dreamllm.inference --model "$OUT/creation" --generate "a large red circle in the center" \
  --output "$OUT/dream.png"
echo "done in $(( $(date +%s) - start )) s: caption $OUT/caption.txt, image $OUT/dream.png, loss curves $OUT/*/loss.png"
