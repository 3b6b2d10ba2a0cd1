"""A tiny DreamLLM with random weights on the toy world: the whole pipeline in seconds, no model zoo needed.

LLaMA 256 wide x 4 layers, CLIP 128 wide x 4 layers at 64 px / patch 16 (16 tokens), 64 dream queries, UNet (32, 64)
on the 16x16 latents of a 4x-down VAE. With random frozen parts, only the plumbing is exercised, not learning.
"""

from omni.config import LazyCall as L
from omni.models.dreamllm.presets import tiny_dreamllm_config

from ..common import data, stages, training

model = dict(
    config=L(tiny_dreamllm_config)(
        vocab_size=151, hidden_size=256, num_layers=4, num_heads=4, num_queries=64,
        vision_hidden_size=128, vision_layers=4, image_size=64, patch_size=16,
        unet_channels=[32, 64], vae_channels=[16, 32, 64], cross_attention_dim=128,
        drop_prob=0.1, model_max_length=256,
    ),
    loss_weights={"lm": 1.0, "vm": 10.0},  # the one place a run sets them (a stage changes them here)
    tokenizer_name_or_path="data/toyworld/tokenizer",
    init_from=None,
)
training.update(save_steps=0, save_total_limit=2)  # as before the shared toy defaults (the resume tests keep two)

__all__ = ["data", "model", "stages", "training"]
