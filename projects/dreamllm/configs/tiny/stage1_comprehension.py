"""Stage I, comprehension alignment, on the toy world with a tiny random model: only the vision projector trains (LM loss only)."""

from .common import data, model, stages, training

model["loss_weights"] = {"lm": 1.0, "vm": 0.0}
data["mode"] = "comprehension"
training.update(output_dir="work_dirs/tiny_s1c", run_name="tiny_stage1_comprehension", learning_rate=2e-3,
                trainable=stages["stage1_comprehension"])
