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
    """Make exactly the matching, non-frozen parameters trainable; returns how many parameter tensors train."""
    names = trainable_names(model, patterns)
    if patterns and not names:
        raise ValueError(f"trainable patterns {list(patterns)} match no trainable parameter; parameter names look like "
                         f"{[n for n, _ in model.named_parameters()][:5]}")
    for name, parameter in model.named_parameters():
        parameter.requires_grad_(name in names)
    return len(names)
