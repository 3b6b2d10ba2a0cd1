"""Which parameters train: glob patterns over parameter names, never touching frozen plugin backbones.

A stage's trainable set is data in its config (`["plugins.vision_encoder.projector.*"]`; `"*"` means everything that
is not a frozen backbone), so the paper's stage table reads directly off the config files.
"""

from __future__ import annotations

from collections.abc import Sequence
from fnmatch import fnmatch

from torch import nn


def frozen_parameter_names(model: nn.Module) -> set[str]:
    frozen_modules = model.frozen_modules() if hasattr(model, "frozen_modules") else {}
    return {f"{prefix}.{name}" for prefix, module in frozen_modules.items() for name, _ in module.named_parameters()}


def trainable_names(model: nn.Module, patterns: Sequence[str]) -> set[str]:
    frozen = frozen_parameter_names(model)
    names = {name for name, _ in model.named_parameters() if name not in frozen and any(fnmatch(name, p) for p in patterns)}
    return names


def set_trainable(model: nn.Module, patterns: Sequence[str]) -> int:
    """Make exactly the matching, non-frozen parameters trainable; returns how many parameter tensors train.

    Every pattern must match something: a stage knob with a typo (or written for another model) would otherwise
    silently train less than its config says."""
    frozen = frozen_parameter_names(model)
    candidates = [name for name, _ in model.named_parameters() if name not in frozen]
    names: set[str] = set()
    for pattern in patterns:
        matched = {name for name in candidates if fnmatch(name, pattern)}
        if not matched:
            close = sorted({".".join(n.split(".")[:3]) + ".*" for n in candidates})[:8]
            raise ValueError(f"trainable pattern {pattern!r} matches no trainable parameter of this model (frozen "
                             f"backbones never train); its trainable modules look like {close}")
        names |= matched
    for name, parameter in model.named_parameters():
        parameter.requires_grad_(name in names)
    return len(names)
