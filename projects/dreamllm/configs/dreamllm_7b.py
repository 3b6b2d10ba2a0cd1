"""DreamLLM-7B as in the paper (Vicuna-7B v1.1, CLIP ViT-L/14 at 224 px, SD 2.1-base, 64 dream queries), stage I
comprehension: the first of the paper recipe's stages (`configs/paper/`, one file per stage). `python -m omni summary
--config projects/dreamllm/configs/dreamllm_7b.py` builds it on the meta device with no weights present."""

from .paper.stage1_comprehension import data, model, stages, training

__all__ = ["data", "model", "stages", "training"]
