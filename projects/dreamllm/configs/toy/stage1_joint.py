"""Stage I in one run: pairs in both directions (a seeded coin per sample), both trainable sets together."""

from .common import _RUNS, data, model, stages, training

data.update(datasets=["toyworld_pairs"], mode="mixed")
training.update(output_dir=f"{_RUNS}/stage1_joint", run_name="toy_stage1_joint", max_steps=800, learning_rate=2e-3,
                trainable=stages["stage1_comprehension"] + stages["stage1_creation"])

__all__ = ["data", "model", "stages", "training"]  # model unchanged from common (stage I weights 1 : 10)
