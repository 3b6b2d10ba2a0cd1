"""Linear and MLP connectors (LLaVA's `linear` and `mlp2x_gelu`), token for token.

Their parameters keep the names the projectors before the connector zoo had (`weight`/`bias`; `0.weight`, `2.weight`
…), so exports made then still load.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from omni.models.connectors.base import Connector, register_connector

ACTIVATIONS = {"gelu": nn.GELU, "silu": nn.SiLU, "relu": nn.ReLU}


@register_connector
class LinearConnector(Connector):
    name = "linear"

    def __init__(self, in_features: int, out_features: int, num_input_tokens: int | None = None, bias: bool = True):
        super().__init__(in_features, out_features, num_input_tokens)
        layer = nn.Linear(in_features, out_features, bias=bias)
        self.weight, self.bias = layer.weight, layer.bias

    def forward(self, features: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        return F.linear(features, self.weight, self.bias)

    def num_output_tokens(self, num_input_tokens: int) -> int:
        return num_input_tokens


@register_connector
class MLPConnector(Connector):
    """`depth` linear layers with an activation between them (LLaVA-1.5: depth 2, GELU)."""

    name = "mlp"

    def __init__(self, in_features: int, out_features: int, num_input_tokens: int | None = None, depth: int = 2,
                 activation: str = "gelu", bias: bool = True):
        super().__init__(in_features, out_features, num_input_tokens)
        if depth < 1:
            raise ValueError(f"an MLP connector needs depth >= 1, got {depth}")
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
        layers: list[nn.Module] = [nn.Linear(in_features, out_features, bias=bias)]
        for _ in range(depth - 1):
            layers += [ACTIVATIONS[activation](), nn.Linear(out_features, out_features, bias=bias)]
        for index, layer in enumerate(layers):  # children named 0, 1, 2 … as nn.Sequential names them
            self.add_module(str(index), layer)

    def forward(self, features: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        for layer in self.children():
            features = layer(features)
        return features

    def num_output_tokens(self, num_input_tokens: int) -> int:
        return num_input_tokens
