"""Linear and MLP projectors, named as in LLaVA (`linear`, `mlp2x_gelu`)."""

from __future__ import annotations

import re

from torch import nn


def build_projector(kind: str, in_features: int, out_features: int, bias: bool = True) -> nn.Module:
    """`linear`, or `mlp{N}x_gelu` for N linear layers with GELU between them."""
    if kind == "linear":
        return nn.Linear(in_features, out_features, bias=bias)
    match = re.fullmatch(r"mlp(\d+)x_gelu", kind)
    if match:
        depth = int(match.group(1))
        layers: list[nn.Module] = [nn.Linear(in_features, out_features, bias=bias)]
        for _ in range(depth - 1):
            layers += [nn.GELU(), nn.Linear(out_features, out_features, bias=bias)]
        return nn.Sequential(*layers)
    raise ValueError(f"unknown projector type '{kind}'; expected 'linear' or 'mlp<N>x_gelu' (e.g. 'mlp2x_gelu')")
