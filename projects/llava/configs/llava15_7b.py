"""LLaVA-1.5-7B, stage 2 (visual instruction tuning) of the paper recipe (`configs/paper/`, one file per stage):
`python -m omni summary --config projects/llava/configs/llava15_7b.py` builds it on the meta device with none of
the weights present."""

from .paper.stage2_finetune import data, model, stages, training

__all__ = ["data", "model", "stages", "training"]
