"""The connector contract: features of one part (B, N, D_in) → tokens of another (B, M, D_out), behind one registry.

A connector is what joins an encoder to the LLM (LLaVA's MLP, MM1's C-Abstractor, xGen-MM's Perceiver resampler,
BLIP-2's Q-Former, Idefics3's pixel shuffle) or the LLM to a head. Every one takes the same inputs, an optional padding
mask of the input tokens (any-resolution crops pad their borders), and knows how many tokens it yields, so the code that
lays out a sequence asks the connector instead of guessing. Its arguments are written once, in `__init__`: the
registry records what a config passed and `to_spec` gives it back, so a saved model rebuilds the same connector.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

import torch
from torch import nn

from omni.models.recorded import RecordsArguments, check_arguments, check_registered

CONNECTOR_REGISTRY: dict[str, type[Connector]] = {}
# what the composing model passes; everything else in a spec is the connector's own configuration
_COMPOSER_ARGUMENTS = ("in_features", "out_features", "num_input_tokens")


def register_connector(cls: type[Connector]) -> type[Connector]:
    """Class decorator: make a connector buildable from a config by its `name`."""
    if cls.name in CONNECTOR_REGISTRY:
        raise ValueError(f"connector name {cls.name!r} is taken by {CONNECTOR_REGISTRY[cls.name].__qualname__}")
    CONNECTOR_REGISTRY[cls.name] = cls
    return cls


class Connector(RecordsArguments, nn.Module, ABC):
    """(B, N, in_features) features and an optional (B, N) mask (True = a real token) → (B, M, out_features).

    Subclasses set `name`, call `super().__init__(in_features, out_features, num_input_tokens)` first, and implement
    `forward` and `num_output_tokens`. Parameters that must not be decayed (learned latents and queries, positional
    embeddings) are listed by `no_weight_decay()`, the timm convention the trainer's optimizer groups follow."""

    name: ClassVar[str]

    def __init__(self, in_features: int, out_features: int, num_input_tokens: int | None = None):
        super().__init__()
        self.in_features, self.out_features, self.num_input_tokens = in_features, out_features, num_input_tokens

    @abstractmethod
    def forward(self, features: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor: ...

    @abstractmethod
    def num_output_tokens(self, num_input_tokens: int) -> int:
        """Tokens this connector yields for `num_input_tokens` input tokens."""

    def no_weight_decay(self) -> set[str]:
        """Names (relative to this module) of parameters that take no weight decay."""
        return set()

    def to_spec(self) -> dict[str, Any]:
        """The connector's own arguments as its config gave them (JSON-able), under `type`."""
        return {"type": self.name, **self.recorded_arguments(leave_out=_COMPOSER_ARGUMENTS)}


def build_connector(spec: str | dict[str, Any], in_features: int, out_features: int,
                    num_input_tokens: int | None = None) -> Connector:
    """A connector from its spec: a registered name (`"c_abstractor"`), a LLaVA-style name (`"mlp2x_gelu"`), or a
    dict `{"type": name, **its arguments}`. Unknown names and arguments fail with the closest valid ones."""
    if isinstance(spec, str):
        spec = _legacy_spec(spec) or {"type": spec}
    spec = dict(spec)
    kind = spec.pop("type", None)
    check_registered(kind, CONNECTOR_REGISTRY, "connector")
    cls = CONNECTOR_REGISTRY[kind]
    check_arguments(cls, spec, f"connector {kind!r}", leave_out=_COMPOSER_ARGUMENTS)
    return cls(in_features=in_features, out_features=out_features, num_input_tokens=num_input_tokens, **spec)


def _legacy_spec(name: str) -> dict[str, Any] | None:
    """LLaVA's projector names, which configs and exports from before the connector zoo use."""
    import re

    if name == "linear":
        return {"type": "linear"}
    match = re.fullmatch(r"mlp(\d+)x_gelu", name)
    return {"type": "mlp", "depth": int(match.group(1))} if match else None


def square_side(num_tokens: int, who: str) -> int:
    """√N for connectors that lay tokens out on a square grid (C-Abstractor, pooling, pixel shuffle)."""
    side = round(num_tokens ** 0.5)
    if side * side != num_tokens:
        raise ValueError(f"{who} needs a square grid of tokens, got {num_tokens} (drop the CLS token first)")
    return side
