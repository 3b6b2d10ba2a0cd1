"""Stage II, interleaved generative pretraining (I-GPT): stories and pairs; everything but CLIP, VAE, UNet trains.

Starts from the joint stage I run (`stage1_joint`). After the paper's split stage I instead:
`"model.init_from='work_dirs/toy/stage1_comprehension'" "model.merge_from=['work_dirs/toy/stage1_creation']"`.
"""

from .common import _RUNS, data, model, stages, training

# a loaded model keeps its own config (model.config must be None); this stage sets its loss weights
model.update(config=None, init_from=f"{_RUNS}/stage1_joint", merge_from=[],
             loss_weights={"lm": 1.0, "vm": 10.0})
# pairs weigh twice the stories: half of them are creation samples (measured when stage I left the toy LLM frozen and
# this was the first stage where the dream queries' states could learn to carry colour; docs/toyworld.md)
data.update(datasets=["toyworld_interleaved", "toyworld_pairs"], weights=[1.0, 2.0], mode="mixed",
            batch_by_source=True)
# 1e-4, not 3e-4: after the joint stage I the LLM has already learnt what the dream queries' states carry, and at 3e-4
# one seed's created images fell from 79.7% all four to 34.0% in this stage (1e-4: 71.1%; the other seed 82.0 vs
# 81.6%; docs/toyworld.md, session 21)
training.update(output_dir=f"{_RUNS}/stage2_igpt", run_name="toy_stage2_igpt", max_steps=500, learning_rate=1e-4,
                trainable=stages["stage2_igpt"])
