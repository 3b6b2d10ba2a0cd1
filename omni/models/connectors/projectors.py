"""`build_projector`: the token-for-token connectors by LLaVA's names (`linear`, `mlp2x_gelu`), for the plugins'
`projector` arguments and the exports that recorded them."""

from __future__ import annotations

from omni.models.connectors.base import Connector, _legacy_spec, build_connector


def build_projector(kind: str, in_features: int, out_features: int, bias: bool = True) -> Connector:
    """`linear`, or `mlp{N}x_gelu` for N linear layers with GELU between them."""
    spec = _legacy_spec(kind)
    if spec is None:
        raise ValueError(f"unknown projector type '{kind}'; expected 'linear' or 'mlp<N>x_gelu' (e.g. 'mlp2x_gelu')")
    return build_connector({**spec, "bias": bias}, in_features, out_features)
