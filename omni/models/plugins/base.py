"""The plugin interface shared by encoders, heads and learnable queries.

A plugin owns its parts (Prismatic style): its backbone and the connector into or out of the LLM, which of them stay
frozen, how raw inputs are preprocessed, and how its pretrained backbone is loaded from its own directory. The
DreamLLM model only composes plugins by name, so a new encoder or a new diffusion head is a new plugin class, not a
new model file.
"""

from __future__ import annotations

from typing import Any, ClassVar

from torch import nn

PLUGIN_REGISTRY: dict[str, type[Plugin]] = {}


def register_plugin(cls: type[Plugin]) -> type[Plugin]:
    """Class decorator: make a plugin buildable from a config by its `name`."""
    PLUGIN_REGISTRY[cls.name] = cls
    return cls


def build_plugin(spec: dict[str, Any], llm_hidden_size: int) -> Plugin:
    spec = dict(spec)
    kind = spec.pop("type", None)
    if kind not in PLUGIN_REGISTRY:
        raise ValueError(f"unknown plugin type {kind!r}; registered plugins: {sorted(PLUGIN_REGISTRY)}")
    return PLUGIN_REGISTRY[kind](llm_hidden_size=llm_hidden_size, **spec)


class Plugin(nn.Module):
    """Base class. Subclasses set `name` and `role` and implement the methods below that apply to them."""

    name: ClassVar[str]
    role: ClassVar[str]  # "encoder" (into the LLM), "head" (out of the LLM) or "queries"

    def frozen_modules(self) -> dict[str, nn.Module]:
        """Submodules that never train (pretrained backbones); kept out of FSDP sharding."""
        return {}

    def load_pretrained(self) -> None:
        """Load the backbone's pretrained weights from its own directory (no-op when built from a config)."""

    def to_spec(self) -> dict[str, Any]:
        """A JSON-able description from which `build_plugin` rebuilds this plugin's architecture exactly."""
        raise NotImplementedError

    def freeze_backbones(self) -> None:
        for module in self.frozen_modules().values():
            module.requires_grad_(False)
            module.eval()

    def train(self, mode: bool = True) -> Plugin:
        super().train(mode)
        for module in self.frozen_modules().values():
            module.eval()  # frozen backbones keep eval-mode behaviour (dropout off) while the rest trains
        return self
