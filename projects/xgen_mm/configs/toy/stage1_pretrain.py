"""Pretraining on captions: the Perceiver and the LLM train, the SigLIP is frozen (xGen-MM trains everything but
the ViT). One view per image: the toy pairs are 64 px, the encoder's own resolution."""

from .common import _RUNS, data, model, stages, training

data.update(datasets=["toyworld_pairs"], mode="comprehension")
training.update(output_dir=f"{_RUNS}/stage1_pretrain", run_name="xgen_mm_toy_stage1_pretrain", max_steps=600,
                trainable=stages["stage1_pretrain"])

__all__ = ["data", "model", "stages", "training"]
