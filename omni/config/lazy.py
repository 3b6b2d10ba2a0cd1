"""Lazy configs: Python config files whose values are recorded calls (`LazyCall`), executed later by `instantiate`.

A config is plain data (an OmegaConf `DictConfig`) that can be printed, diffed, overridden from the command line and
saved, which is why calls are recorded rather than made while the file is read. Config files may import shared parts
from sibling files with relative imports (`from ..common import model`); each load executes the files afresh, so one
file's edits of a shared object never leak into another load.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import sys
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, ListConfig, OmegaConf

__all__ = ["LazyCall", "LazyConfig", "target_to_str", "locate"]

TARGET_KEY = "_target_"
_SYNTHETIC_ROOT = "_omni_lazy_config"


def target_to_str(target: Callable | str) -> str:
    """Dotted import path of a callable, so that a config stays serialisable."""
    if isinstance(target, str):
        return target
    module, qualname = getattr(target, "__module__", None), getattr(target, "__qualname__", None)
    if not module or not qualname or "<locals>" in qualname:
        raise TypeError(f"LazyCall needs an importable callable (module-level class or function), got {target!r}")
    return f"{module}.{qualname}"


def locate(path: str) -> Any:
    """Import an object from its dotted path (`package.module.Class.method`)."""
    parts = path.split(".")
    for split in range(len(parts), 0, -1):
        module_name = ".".join(parts[:split])
        try:
            obj = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name and module_name.startswith(error.name) and split > 1:
                continue
            if split == 1:
                raise ImportError(f"cannot locate '{path}': no module '{parts[0]}'") from error
            continue
        for attr in parts[split:]:
            if not hasattr(obj, attr):
                raise ImportError(f"cannot locate '{path}': '{module_name}' has no attribute path '{'.'.join(parts[split:])}'")
            obj = getattr(obj, attr)
        return obj
    raise ImportError(f"cannot locate '{path}'")


class LazyCall:
    """Record a call instead of making it: `LazyCall(AdamW)(lr=1e-3)` is a config node that `instantiate` calls later.

    Nested `LazyCall`s, lists and dicts may appear among the arguments; they are instantiated depth first.
    """

    def __init__(self, target: Callable | str):
        if not (callable(target) or isinstance(target, str)):
            raise TypeError(f"LazyCall expects a callable or a dotted path, got {type(target).__name__}")
        self._target = target

    def __call__(self, **kwargs: Any) -> DictConfig:
        return DictConfig({TARGET_KEY: target_to_str(self._target), **kwargs}, flags={"allow_objects": True})


def _package_root(file: Path) -> Path:
    """Highest directory above `file` reachable through `__init__.py` files: the anchor for relative imports."""
    root = file.parent
    while (root / "__init__.py").exists() and (root.parent / "__init__.py").exists():
        root = root.parent
    return root.parent if (root / "__init__.py").exists() else root


def _is_config_value(value: Any) -> bool:
    return isinstance(value, (DictConfig, ListConfig, Mapping, list, tuple, int, float, str, bool)) and not inspect.ismodule(value)


class LazyConfig:
    """Load and save lazy config files (`.py` executed as modules, `.yaml` as saved by `save`)."""

    @staticmethod
    def load(path: str | Path) -> DictConfig:
        file = Path(path).resolve()
        if not file.is_file():
            raise FileNotFoundError(f"config file not found: {path}")
        if file.suffix in (".yaml", ".yml"):
            return OmegaConf.load(file)
        if file.suffix != ".py":
            raise ValueError(f"config files are .py or .yaml, got {path}")
        root = _package_root(file)
        # A throw-away package whose __path__ is the config tree's root: relative imports between config files then
        # use the ordinary import machinery, and every load gets fresh module objects.
        package = f"{_SYNTHETIC_ROOT}_{uuid.uuid4().hex[:8]}"
        spec = importlib.util.spec_from_loader(package, loader=None, is_package=True)
        package_module = importlib.util.module_from_spec(spec)
        package_module.__path__ = [str(root)]
        sys.modules[package] = package_module
        relative = file.relative_to(root).with_suffix("")
        module_name = ".".join([package, *relative.parts])
        try:
            module = importlib.import_module(module_name)
        finally:
            for name in [n for n in sys.modules if n == package or n.startswith(package + ".")]:
                del sys.modules[name]
        values = {k: v for k, v in vars(module).items() if not k.startswith("_") and _is_config_value(v)}
        return DictConfig(values, flags={"allow_objects": True})

    @staticmethod
    def save(config: DictConfig | Mapping, path: str | Path) -> None:
        """Write the resolved config as YAML (targets are dotted paths, so `load` reads it back)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(OmegaConf.to_yaml(OmegaConf.create(_to_plain(config))))

    @staticmethod
    def to_py_literal(config: DictConfig | Mapping) -> str:
        return OmegaConf.to_yaml(OmegaConf.create(_to_plain(config)))


def _to_plain(node: Any) -> Any:
    """Containers to plain dicts/lists; non-primitive leaves to their repr (the saved file is for reading and reloading)."""
    if isinstance(node, (DictConfig, ListConfig)):
        node = OmegaConf.to_container(node, resolve=True)
    if isinstance(node, Mapping):
        return {str(k): _to_plain(v) for k, v in node.items()}
    if isinstance(node, (list, tuple)):
        return [_to_plain(v) for v in node]
    if node is None or isinstance(node, (int, float, str, bool)):
        return node
    if isinstance(node, Path):
        return str(node)
    if callable(node):
        return target_to_str(node)
    return repr(node)
