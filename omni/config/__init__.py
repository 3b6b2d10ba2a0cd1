"""Lazy configs: record calls in Python config files, override them from the command line, instantiate them."""

from omni.config.instantiate import instantiate
from omni.config.launch import LazyLaunch, load_config, to_dataclass
from omni.config.lazy import LazyCall, LazyConfig
from omni.config.overrides import ConfigKeyError, apply_overrides

__all__ = ["LazyCall", "LazyConfig", "LazyLaunch", "instantiate", "apply_overrides", "load_config", "to_dataclass", "ConfigKeyError"]
