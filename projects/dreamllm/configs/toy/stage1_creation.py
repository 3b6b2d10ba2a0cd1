"""Stage I, creation alignment: caption → image, only the dream queries and condition projector train (VM loss)."""

from .common import _RUNS, data, model, stages, training

model.update(loss_weights={"lm": 0.0, "vm": 1.0})
data.update(datasets=["toyworld_pairs"], mode="creation")
training.update(output_dir=f"{_RUNS}/stage1_creation", run_name="toy_stage1_creation", max_steps=1500,
                learning_rate=2e-3, trainable=stages["stage1_creation"])
