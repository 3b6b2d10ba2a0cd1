"""Stage I, comprehension alignment: image → caption, only the vision projector trains (LM loss only)."""

from .common import _RUNS, data, model, stages, training

model.update(loss_weights={"lm": 1.0, "vm": 0.0})
data.update(datasets=["toyworld_pairs"], mode="comprehension")
training.update(output_dir=f"{_RUNS}/stage1_comprehension", run_name="toy_stage1_comprehension", max_steps=600,
                learning_rate=2e-3, trainable=stages["stage1_comprehension"])
