"""The plugin contracts: encoders into the LLM, heads out of it, and learnable queries, as small abstract classes.

A plugin owns its parts (Prismatic style): its backbone and the connector into or out of the LLM, which of them stay
frozen, how raw inputs are preprocessed, and how its pretrained backbone is loaded from its own directory. The base
model (`omni.models.base.OmniForCausalLM`) only composes plugins by name, so a new encoder or a new diffusion head is
a new plugin class, not a new model file. What each role must provide is written down here, not implied by how the
model happens to call it.

Arguments are written once, in `__init__`: `to_spec` returns what the config passed, with the inline architecture of
any backbone (`architecture()`), so a saved model rebuilds without the backbones' original directories.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, ClassVar

import torch
from PIL import Image
from torch import nn

from omni.models.feature_cache import FeatureCache
from omni.models.recorded import RecordsArguments, check_arguments, check_registered

PLUGIN_REGISTRY: dict[str, type[Plugin]] = {}
ROLES = ("encoder", "head", "queries")


def register_plugin(cls: type[Plugin]) -> type[Plugin]:
    """Class decorator: make a plugin buildable from a config by its `name`."""
    if cls.role not in ROLES:
        raise ValueError(f"plugin {cls.__qualname__} has role {cls.role!r}; roles are {ROLES}")
    if PLUGIN_REGISTRY.get(cls.name, cls) is not cls:
        raise ValueError(f"plugin name {cls.name!r} is taken by {PLUGIN_REGISTRY[cls.name].__qualname__}")
    PLUGIN_REGISTRY[cls.name] = cls
    return cls


def build_plugin(spec: dict[str, Any], llm_hidden_size: int) -> Plugin:
    """A plugin from `{"type": name, **its arguments}`; unknown types and arguments fail with the closest valid ones."""
    spec = dict(spec)
    kind = spec.pop("type", None)
    check_registered(kind, PLUGIN_REGISTRY, "plugin")
    cls = PLUGIN_REGISTRY[kind]
    check_arguments(cls, spec, f"plugin {kind!r}", leave_out=("llm_hidden_size",))
    return cls(llm_hidden_size=llm_hidden_size, **spec)


class Plugin(RecordsArguments, nn.Module, ABC):
    """What every plugin has. Subclasses set `name` and `role`; `__init__` takes `llm_hidden_size` first."""

    name: ClassVar[str]
    role: ClassVar[str]

    def frozen_modules(self) -> dict[str, nn.Module]:
        """Submodules that never train (pretrained backbones); kept out of FSDP sharding."""
        return {}

    def load_pretrained(self) -> None:
        """Load the backbone's pretrained weights from its own directory (no-op when built from a config)."""

    def architecture(self) -> dict[str, Any]:
        """Spec entries that pin the backbone's architecture inline (e.g. `vision_config`), overriding the recorded
        arguments, so that `build_plugin(to_spec())` needs no directory."""
        return {}

    def to_spec(self) -> dict[str, Any]:
        """A JSON-able description from which `build_plugin` rebuilds this plugin's architecture exactly."""
        return {"type": self.name, **self.recorded_arguments(leave_out=("llm_hidden_size",)), **self.architecture()}

    def use_feature_cache(self, root: str | Path) -> dict[str, FeatureCache]:
        """Read what the frozen backbones compute from inputs from a disk cache under `root` from now on
        (`omni.models.feature_cache`; the training option `training.feature_cache_dir`), by cache name. A plugin with
        nothing frozen to cache returns none."""
        return {}

    def freeze_backbones(self) -> None:
        for module in self.frozen_modules().values():
            module.requires_grad_(False)
            module.eval()

    def train(self, mode: bool = True) -> Plugin:
        super().train(mode)
        for module in self.frozen_modules().values():
            module.eval()  # frozen backbones keep eval-mode behaviour (dropout off) while the rest trains
        return self


class EncoderPlugin(Plugin):
    """Inputs → LLM-width tokens that the model scatters into the `<im_patch>` slots of the sequence."""

    role = "encoder"

    @abstractmethod
    def preprocess(self, images: list[Image.Image]) -> dict[str, torch.Tensor]:
        """Raw images → `forward`'s keyword arguments, which are also the model's image inputs by name:
        `pixel_values` [views, …] (one view per image, or a global view and crops of each any-resolution image) and,
        where views are padded, `image_patch_mask` [views, features] (True: a real feature). The collator
        concatenates each along the first dimension, so every tensor here has one row per view."""

    @abstractmethod
    def num_image_tokens(self, image: Image.Image | None = None) -> int:
        """How many slots one image takes. It may depend on the image (any-resolution crops); `None` asks for the
        number at the encoder's base resolution."""

    @abstractmethod
    def forward(self, pixel_values: torch.Tensor, image_patch_mask: torch.Tensor | None = None) -> torch.Tensor:
        """Preprocessed views [V, …] → [V, tokens, llm_hidden_size]: flattened in order, the tokens of every image's
        slots (`num_image_tokens(image)` per image)."""


class HeadPlugin(Plugin):
    """LLM hidden states at some slots → a condition for a generator, its training loss, and sampling."""

    role = "head"

    @abstractmethod
    def preprocess(self, images: list[Image.Image]) -> torch.Tensor:
        """Target images → the tensor `loss` takes."""

    @abstractmethod
    def condition(self, hidden_states: torch.Tensor) -> torch.Tensor:
        """Hidden states [N, Q, llm_hidden_size] → the generator's condition."""

    @abstractmethod
    def loss(self, hidden_states: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """The generator's training loss, averaged over the N targets."""

    @abstractmethod
    def sample(self, condition: torch.Tensor, null_condition: torch.Tensor | None, **options: Any) -> list[Image.Image]:
        """Outputs from conditions (`null_condition`: the unconditional branch of classifier-free guidance)."""

    def forward(self, hidden_states: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        return self.loss(hidden_states, targets)


class QueriesPlugin(Plugin):
    """Learnable embeddings the model places in slots of its own (DreamLLM's dream queries, learned latents)."""

    role = "queries"

    @property
    @abstractmethod
    def num_queries(self) -> int: ...

    @abstractmethod
    def forward(self) -> torch.Tensor:
        """[num_queries, llm_hidden_size]."""
