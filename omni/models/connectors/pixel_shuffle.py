"""Pixel shuffle (Idefics3, SmolVLM): fold each r×r block of patches into one token r² times wider, then project.

A lossless way to cut the token count by r² (SmolVLM: r = 4, 1024 → 64 tokens); the token order is transformers'
`Idefics3Connector.pixel_shuffle`, so a projection trained there reads the same tokens here.
"""

from __future__ import annotations

import torch
from torch import nn

from omni.models.connectors.base import Connector, register_connector, square_side


@register_connector
class PixelShuffle(Connector):
    name = "pixel_shuffle"

    def __init__(self, in_features: int, out_features: int, num_input_tokens: int | None = None, scale_factor: int = 2,
                 bias: bool = False):
        super().__init__(in_features, out_features, num_input_tokens)
        self.scale_factor = scale_factor
        self.proj = nn.Linear(in_features * scale_factor ** 2, out_features, bias=bias)

    def forward(self, features: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        if mask is not None and not bool(mask.all()):
            raise ValueError("pixel_shuffle folds a full grid: it cannot skip padded tokens (use the perceiver)")
        batch, tokens, dim = features.shape
        side, r = square_side(tokens, "pixel_shuffle's input"), self.scale_factor
        if side % r:
            raise ValueError(f"pixel_shuffle with scale_factor {r} needs a grid side divisible by {r}, got {side}")
        x = features.reshape(batch, side, side // r, dim * r).permute(0, 2, 1, 3)
        x = x.reshape(batch, side // r, side // r, dim * r * r).permute(0, 2, 1, 3)
        return self.proj(x.reshape(batch, tokens // (r * r), dim * r * r))

    def num_output_tokens(self, num_input_tokens: int) -> int:
        return num_input_tokens // self.scale_factor ** 2
