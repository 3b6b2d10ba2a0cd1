"""Arguments written once: a module class records what its `__init__` was called with, so `to_spec` is derived.

Connectors and plugins are rebuilt from JSON specs (a saved model's config). Without this, every class writes its
arguments three times: the signature, the attributes, and a hand-made `to_spec` that must list them again (and drifts
when an argument is added). A subclass of `RecordsArguments` gets `recorded_arguments()` for free.
"""

from __future__ import annotations

import difflib
import inspect
from typing import Any


def jsonable(value: Any) -> Any:
    """Tuples become lists (JSON has no tuples), recursively; everything else as is."""
    if isinstance(value, tuple | list):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    return value


class RecordsArguments:
    """Mixin: the outermost `__init__` of an instance records its bound arguments (defaults applied)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        if init is None:
            return
        signature = inspect.signature(init)

        def recording_init(self: Any, *args: Any, _init=init, _signature=signature, **kw: Any) -> None:
            if not hasattr(self, "_arguments"):  # the outermost class records; a super().__init__ chain does not
                bound = _signature.bind(self, *args, **kw)
                bound.apply_defaults()
                object.__setattr__(self, "_arguments", {k: v for k, v in bound.arguments.items() if k != "self"})
            _init(self, *args, **kw)

        recording_init.__signature__ = signature  # type: ignore[attr-defined]
        recording_init.__doc__ = init.__doc__
        cls.__init__ = recording_init  # type: ignore[method-assign]

    def recorded_arguments(self, leave_out: tuple[str, ...] = ()) -> dict[str, Any]:
        return {k: jsonable(v) for k, v in self._arguments.items() if k not in leave_out}


def check_arguments(cls: type, spec: dict[str, Any], what: str, leave_out: tuple[str, ...] = ()) -> None:
    """Fail on an argument `cls.__init__` does not take, naming the closest one it does."""
    accepted = [p for p in inspect.signature(cls.__init__).parameters if p not in ("self", *leave_out)]
    unknown = [k for k in spec if k not in accepted]
    if unknown:
        close = difflib.get_close_matches(unknown[0], accepted, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ValueError(f"{what} has no argument {unknown[0]!r}.{hint} It takes: {accepted}")


def check_registered(kind: Any, registry: dict[str, Any], what: str) -> None:
    if kind not in registry:
        close = difflib.get_close_matches(str(kind), registry, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ValueError(f"unknown {what} type {kind!r}.{hint} Registered {what}s: {sorted(registry)}")
