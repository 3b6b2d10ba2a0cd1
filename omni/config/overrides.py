"""Command-line overrides in hydra's grammar (`a.b=1`, `a.b='text'`, `a.l=[1,2]`, `+a.new=1`, `++a.x=1`, `~a.b`).

Parsing is hydra's own (`OverridesParser`); applying them is ours, to a plain config tree, because the configs are
lazy Python files rather than hydra config groups. Every key must already exist unless added with `+`, and a typo is
answered with the closest valid key. A `LazyCall` node also accepts its target's own keyword parameters, so a
default the config file left unset (`model.config.projector=mlp2x_gelu`) can be overridden without `+`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import Any

from omegaconf import DictConfig, ListConfig, OmegaConf, open_dict


class ConfigKeyError(KeyError):
    """An override names a key the config does not have (or `+` names one it already has)."""

    def __str__(self) -> str:  # KeyError quotes its message; show it plainly
        return str(self.args[0])


def all_keys(node: Any, prefix: str = "") -> list[str]:
    """Every dotted key path in a config tree (mappings only; list items by index)."""
    keys: list[str] = []
    if isinstance(node, (DictConfig, ListConfig)) and node._is_none():  # an optional container set to None
        return keys
    if isinstance(node, (DictConfig, dict)):
        items = node.items_ex(resolve=False) if isinstance(node, DictConfig) else node.items()
        for key, value in items:
            path = f"{prefix}{key}"
            keys.append(path)
            keys.extend(all_keys(value, path + "."))
    elif isinstance(node, (ListConfig, list)):
        for index, value in enumerate(node):
            keys.extend(all_keys(value, f"{prefix}{index}."))
    return keys


def unknown_key_message(key: str, valid: Iterable[str], what: str = "config") -> str:
    valid = list(valid)
    close = difflib.get_close_matches(key, valid, n=3, cutoff=0.6)
    if not close:  # a typo in the last component only: compare leaf names among siblings
        parent = key.rsplit(".", 1)[0] + "." if "." in key else ""
        siblings = [k for k in valid if k.startswith(parent) and "." not in k[len(parent):]]
        close = difflib.get_close_matches(key, siblings, n=3, cutoff=0.4)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    return f"unknown {what} key '{key}'.{hint} Use '+{key}=...' to add a new key."


def _split(key: str) -> tuple[str, str]:
    return (key.rsplit(".", 1) if "." in key else ("", key))  # type: ignore[return-value]


def _select(config: DictConfig, path: str) -> Any:
    return config if path == "" else OmegaConf.select(config, path, throw_on_missing=False, default=_MISSING)


_MISSING = object()


def _is_call_parameter(config: DictConfig, key: str) -> bool:
    """Is `key` a keyword parameter of the callable its parent `LazyCall` node targets?"""
    import inspect

    from omni.config.lazy import TARGET_KEY, locate

    parent_path, leaf = _split(key)
    parent = _select(config, parent_path)
    if not isinstance(parent, DictConfig) or TARGET_KEY not in parent:
        return False
    try:
        target = locate(parent[TARGET_KEY]) if isinstance(parent[TARGET_KEY], str) else parent[TARGET_KEY]
        parameter = inspect.signature(target).parameters.get(leaf)
    except (ImportError, AttributeError, TypeError, ValueError):
        return False
    return parameter is not None and parameter.kind in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY)


def _exists(config: DictConfig, key: str) -> bool:
    parent_path, leaf = _split(key)
    parent = _select(config, parent_path)
    if isinstance(parent, DictConfig):
        return leaf in parent
    if isinstance(parent, ListConfig):
        return leaf.isdigit() and int(leaf) < len(parent)
    return False


def apply_overrides(config: DictConfig, overrides: Sequence[str]) -> DictConfig:
    """Apply hydra-grammar overrides to `config` in place and return it."""
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.core.override_parser.types import OverrideType
    from hydra.errors import OverrideParseException

    try:
        parsed = OverridesParser.create().parse_overrides(list(overrides))
    except OverrideParseException as error:
        raise ValueError(f"malformed override: {error}") from None
    for override in parsed:
        key = override.key_or_group
        if override.is_sweep_override():
            value = override.input_line.split("=", 1)[1]
            raise ValueError(f"override '{override.input_line}' is a sweep; for a list write {key}=[{value}]")
        exists = _exists(config, key)
        if override.type == OverrideType.CHANGE and not exists and _is_call_parameter(config, key):
            exists = True  # a parameter the config file left at its default: set it
        if override.type == OverrideType.DEL:
            if not exists:
                raise ConfigKeyError(unknown_key_message(key, all_keys(config)))
            parent_path, leaf = _split(key)
            parent = _select(config, parent_path)
            with open_dict(parent):
                if isinstance(parent, ListConfig):
                    del parent[int(leaf)]
                else:
                    del parent[leaf]
            continue
        if override.type == OverrideType.ADD and exists:
            raise ConfigKeyError(f"cannot add '{key}': it already exists; override it with '{key}=...' instead")
        if override.type == OverrideType.CHANGE and not exists:
            raise ConfigKeyError(unknown_key_message(key, all_keys(config)))
        value = override.value()
        parent_path, leaf = _split(key)
        parent = _select(config, parent_path)
        if parent is _MISSING or parent is None:
            if override.type == OverrideType.CHANGE:
                raise ConfigKeyError(unknown_key_message(key, all_keys(config)))
            OmegaConf.update(config, key, value, force_add=True)
            continue
        with open_dict(config):
            if isinstance(parent, ListConfig):
                parent[int(leaf)] = value
            else:
                parent[leaf] = value
    return config
