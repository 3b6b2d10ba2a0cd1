"""Stage II, interleaved generative pretraining (I-GPT): stories and pairs; everything but CLIP, VAE, UNet trains.

Starts from stage I comprehension and merges in what stage I creation trained (queries, condition projector).
"""

from .common import _RUNS, data, model, stages, training

# a loaded model keeps its own config (model.config must be None); this stage sets its loss weights
model.update(config=None, init_from=f"{_RUNS}/stage1_comprehension", merge_from=[f"{_RUNS}/stage1_creation"],
             loss_weights={"lm": 1.0, "vm": 10.0})
# pairs weigh twice the stories: half of them are creation samples, and the first stage where the LLM trains is where
# the dream queries' states learn to carry colour (the frozen toy LLM of stage I cannot; docs/toyworld.md)
data.update(datasets=["toyworld_interleaved", "toyworld_pairs"], weights=[1.0, 2.0], mode="mixed",
            batch_by_source=True)
training.update(output_dir=f"{_RUNS}/stage2_igpt", run_name="toy_stage2_igpt", max_steps=500, learning_rate=3e-4,
                trainable=stages["stage2_igpt"])
