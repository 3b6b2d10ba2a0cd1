"""Stage I, creation alignment, on the toy world with a tiny random model: only the dream queries and condition projector train (VM loss)."""

from .common import data, model, stages, training

model["loss_weights"] = {"lm": 0.0, "vm": 1.0}
data["mode"] = "creation"
training.update(output_dir="work_dirs/tiny_s1g", run_name="tiny_stage1_creation", learning_rate=2e-3,
                trainable=stages["stage1_creation"])
