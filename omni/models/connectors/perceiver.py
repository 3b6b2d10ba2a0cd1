"""Perceiver resampler (Flamingo; the token sampler of xGen-MM / BLIP-3): learned latents read the image by attention.

Structure as in salesforce/LAVIS branch xgen-mm (`open_flamingo/src/helpers.py`, after lucidrains' flamingo-pytorch):
`depth` layers of [attention whose queries are the latents and whose keys and values are the media tokens and the
latents together, each with its own LayerNorm; a feed-forward with its own LayerNorm], both residual, bias-free
projections; a final LayerNorm and a projection to the LLM's width. Padded media tokens (any-resolution crops) are
masked out of the keys. Parameter names and counts follow the reference; attention runs through SDPA.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from omni.models.connectors.base import Connector, register_connector


class PerceiverAttention(nn.Module):
    def __init__(self, dim: int, dim_head: int, heads: int):
        super().__init__()
        self.heads, inner = heads, dim_head * heads
        self.norm_media, self.norm_latents = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.to_q = nn.Linear(dim, inner, bias=False)
        self.to_kv = nn.Linear(dim, inner * 2, bias=False)
        self.to_out = nn.Linear(inner, dim, bias=False)

    def forward(self, media: torch.Tensor, latents: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        media, latents = self.norm_media(media), self.norm_latents(latents)
        batch, num_latents = latents.shape[:2]
        q = self.to_q(latents)
        k, v = self.to_kv(torch.cat((media, latents), dim=1)).chunk(2, dim=-1)
        q, k, v = (t.reshape(batch, t.shape[1], self.heads, -1).transpose(1, 2) for t in (q, k, v))
        attend = None
        if mask is not None:  # the latents are always attended to, so no row is empty
            keep = torch.cat((mask.bool(), mask.new_ones(batch, num_latents, dtype=torch.bool)), dim=1)
            attend = keep[:, None, None, :]
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=attend)
        return self.to_out(out.transpose(1, 2).reshape(batch, num_latents, -1))


def feed_forward(dim: int, mult: int) -> nn.Sequential:
    return nn.Sequential(nn.LayerNorm(dim), nn.Linear(dim, dim * mult, bias=False), nn.GELU(),
                         nn.Linear(dim * mult, dim, bias=False))


@register_connector
class PerceiverResampler(Connector):
    """`num_latents` tokens whatever the number of input tokens (xGen-MM: 128 per image or crop)."""

    name = "perceiver"

    def __init__(self, in_features: int, out_features: int, num_input_tokens: int | None = None, num_latents: int = 128,
                 depth: int = 6, dim_head: int = 96, heads: int = 16, ff_mult: int = 4):
        super().__init__(in_features, out_features, num_input_tokens)
        self.num_latents = num_latents
        self.latents = nn.Parameter(torch.randn(num_latents, in_features))
        self.layers = nn.ModuleList(nn.ModuleList([PerceiverAttention(in_features, dim_head, heads), feed_forward(in_features, ff_mult)])
                                    for _ in range(depth))
        self.norm = nn.LayerNorm(in_features)
        # xGen-MM projects to the LLM's width after the final norm; at equal widths the reference has no projection
        self.projection = nn.Linear(in_features, out_features) if out_features != in_features else None

    def forward(self, features: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        latents = self.latents.to(features.dtype).expand(features.shape[0], -1, -1)
        for attention, ff in self.layers:
            latents = attention(features, latents, mask) + latents
            latents = ff(latents) + latents
        latents = self.norm(latents)
        return self.projection(latents) if self.projection is not None else latents

    def num_output_tokens(self, num_input_tokens: int) -> int:
        return self.num_latents

    def no_weight_decay(self) -> set[str]:
        return {"latents"}
