"""Stage 1, feature alignment: image → caption on the toy pairs; only the projector trains (LLaVA's lr 1e-3 is
for batch 256; the toy's batch 16 in all takes 2e-3, as DreamLLM's toy stage I comprehension)."""

from .common import _RUNS, data, model, stages, training

data.update(datasets=["toyworld_pairs"], mode="comprehension")
training.update(output_dir=f"{_RUNS}/stage1_pretrain", run_name="llava_toy_stage1_pretrain", max_steps=600,
                learning_rate=2e-3, trainable=stages["stage1_pretrain"])

__all__ = ["data", "model", "stages", "training"]  # model unchanged from common
