"""MM1's simpler connectors (McKinzie et al. 2024, §3.2): average pooling and attention pooling to M tokens.

MM1 found that the number of visual tokens and the image resolution matter far more than which of these, the
C-Abstractor or a Perceiver, turns patches into tokens; these two are its ablation's baselines.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from omni.models.connectors.base import Connector, register_connector, square_side


@register_connector
class AveragePooling(Connector):
    """√N×√N patches average-pooled to a √M×√M grid, then a linear projection (MM1's "average pooling")."""

    name = "avg_pool"

    def __init__(self, in_features: int, out_features: int, num_input_tokens: int | None = None, num_queries: int = 144):
        super().__init__(in_features, out_features, num_input_tokens)
        self.side, self.num_queries = square_side(num_queries, "avg_pool's num_queries"), num_queries
        self.projection = nn.Linear(in_features, out_features)

    def forward(self, features: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        if mask is not None and not bool(mask.all()):
            raise ValueError("avg_pool pools a full grid: it cannot skip padded tokens (use the perceiver)")
        side = square_side(features.shape[1], "avg_pool's input")
        grid = features.transpose(1, 2).reshape(features.shape[0], -1, side, side)
        pooled = F.adaptive_avg_pool2d(grid, self.side).flatten(2).transpose(1, 2)
        return self.projection(pooled)

    def num_output_tokens(self, num_input_tokens: int) -> int:
        return self.num_queries


@register_connector
class AttentionPooling(Connector):
    """M learned queries and one multi-head cross-attention over the patches, then a linear projection (MM1's
    "attention pooling"; a one-layer Perceiver without the feed-forward)."""

    name = "attn_pool"

    def __init__(self, in_features: int, out_features: int, num_input_tokens: int | None = None, num_queries: int = 144,
                 num_heads: int = 8):
        super().__init__(in_features, out_features, num_input_tokens)
        self.num_queries = num_queries
        self.queries = nn.Parameter(torch.randn(num_queries, in_features) * in_features ** -0.5)
        self.norm = nn.LayerNorm(in_features)
        self.attention = nn.MultiheadAttention(in_features, num_heads, batch_first=True)
        self.projection = nn.Linear(in_features, out_features)

    def forward(self, features: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        keys = self.norm(features)
        queries = self.queries.to(features.dtype).expand(features.shape[0], -1, -1)
        padding = ~mask.bool() if mask is not None else None
        pooled, _ = self.attention(queries, keys, keys, key_padding_mask=padding, need_weights=False)
        return self.projection(pooled)

    def num_output_tokens(self, num_input_tokens: int) -> int:
        return self.num_queries

    def no_weight_decay(self) -> set[str]:
        return {"queries"}
