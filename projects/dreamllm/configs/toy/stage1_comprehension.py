"""Stage I, comprehension alignment: image → caption, only the vision projector trains (LM loss only).

1,200 steps: at 600 the caption colour was learnt late in the cosine decay and only on some seeds (98% on seed 0,
33% on seed 1, docs/toyworld.md); 1,200 gave seed 1 89%."""

from .common import _RUNS, data, model, stages, training

model.update(loss_weights={"lm": 1.0, "vm": 0.0})
data.update(datasets=["toyworld_pairs"], mode="comprehension")
training.update(output_dir=f"{_RUNS}/stage1_comprehension", run_name="toy_stage1_comprehension", max_steps=1200,
                learning_rate=2e-3, trainable=stages["stage1_comprehension"])
