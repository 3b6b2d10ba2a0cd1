"""Stage I in one run: pairs in both directions (a seeded coin per sample), stage I's two trainable sets together and
the LLM too, at a tenth of their rate.

Why: with the toy LLM frozen, the captions of some seeds lost shape or position and the dream queries could not carry
colour; chaining creation after comprehension with the LLM training cost the captions (docs/toyworld.md, sessions
18-19). 2,700 steps = the 1,200 + 1,500 of the two halves. The image loss draws its timesteps from a logit-normal of
mean 2.0 (1.0 in the other stages' common config): where a shape goes is settled in the noisiest steps, and at 1.0
created positions were 64.8% / 21.1% on two seeds, at 2.0 99.2% / 97.3% (session 20). The recipe's stage I since
session 22; stages II and III after it train at 1e-4 and stage III rehearses the pairs, or they lose much of what it
creates (session 21).
"""

from .common import _RUNS, data, model, stages, training

model["config"].update(timestep_logit_mean=2.0)
data.update(datasets=["toyworld_pairs"], mode="mixed")
training.update(output_dir=f"{_RUNS}/stage1_joint", run_name="toy_stage1_joint", max_steps=2700, learning_rate=2e-3,
                trainable=stages["stage1_joint"], learning_rates={"llm.*": 2e-4})

__all__ = ["data", "model", "stages", "training"]  # loss weights unchanged from common (stage I weights 1 : 10)
