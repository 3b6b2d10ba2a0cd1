"""`instantiate`: perform the calls recorded by `LazyCall`, depth first."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from omegaconf import DictConfig, ListConfig, OmegaConf

from omni.config.lazy import TARGET_KEY, locate


def instantiate(config: Any, **overrides: Any) -> Any:
    """Build the object a config describes.

    A mapping with a `_target_` is called with its other keys (themselves instantiated first); other mappings and
    lists are instantiated element-wise; anything else is returned as is. `overrides` replace top-level arguments.
    """
    if isinstance(config, (DictConfig, ListConfig)):
        config = OmegaConf.to_container(config, resolve=True)
    if isinstance(config, Mapping):
        config = {**config, **overrides}
        if TARGET_KEY in config:
            target = config.pop(TARGET_KEY)
            if isinstance(target, str):
                target = locate(target)
            if not callable(target):
                raise TypeError(f"_target_ {target!r} is not callable")
            kwargs = {key: instantiate(value) for key, value in config.items()}
            try:
                return target(**kwargs)
            except TypeError as error:
                name = getattr(target, "__qualname__", repr(target))
                raise TypeError(f"instantiating {name}({', '.join(kwargs)}) failed: {error}") from error
        return {key: instantiate(value) for key, value in config.items()}
    if isinstance(config, (list, tuple)):
        return type(config)(instantiate(value) for value in config)
    return config
