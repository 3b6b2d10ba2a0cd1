"""Stage I, creation alignment: caption → image, only the dream queries and condition projector train (VM loss).

Starts from stage I comprehension with its LoRA adapters folded in (`python -m omni merge_lora --model
work_dirs/toy/stage1_comprehension --out work_dirs/toy/stage1_comprehension_merged`): the dream queries learn to be read
by the LLM they will be used with, and this run's folder is the whole stage I model.
"""

from .common import _RUNS, data, model, stages, training

model.update(config=None, init_from=f"{_RUNS}/stage1_comprehension_merged", loss_weights={"lm": 0.0, "vm": 1.0})
data.update(datasets=["toyworld_pairs"], mode="creation")
training.update(output_dir=f"{_RUNS}/stage1_creation", run_name="toy_stage1_creation", max_steps=1500,
                learning_rate=2e-3, trainable=stages["stage1_creation"])
