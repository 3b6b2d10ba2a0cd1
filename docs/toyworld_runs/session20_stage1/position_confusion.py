"""Where a stage I model puts the shapes it creates: the toy evaluation's 256 creations (same prompts, seeds and
judge), as a confusion table of asked position → judged position. Usage:
  python docs/toyworld_runs/session20_stage1/position_confusion.py MODEL ZOO SEED OUT.json"""

import json
import sys
from collections import Counter
from pathlib import Path

from omni.eval.toyworld import ToyEvaluator, scene_of

model, zoo, seed, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]


class Recording(ToyEvaluator):
    def creation_metrics(self, prefix, images):
        judged = [j["position"] for j in self.judge(images)]
        asked = [scene_of(p["meta"])["position"] for p in self.pairs]
        table = Counter(zip(asked, judged))
        record = {"model": model, "seed": seed, "right": sum(a == j for a, j in zip(asked, judged)) / len(asked),
                  "judged": dict(Counter(judged)), "asked_to_judged": [[a, j, n] for (a, j), n in sorted(table.items())]}
        Path(out).write_text(json.dumps(record, indent=1))
        return {}


Recording(zoo, "data", num=256, seed=seed).evaluate_model(model, tasks=("creation",))
print(Path(out).read_text())
