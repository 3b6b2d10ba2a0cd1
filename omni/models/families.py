"""Model families: the `model_type`s a saved Omni model may name, each with the module that registers its config and
model classes with transformers' Auto classes.

Loading a folder imports its family's module on first use, so no caller imports a family for its side effect and a
new family (a project's model class) is one `register_family` line in its own package, not an edit here.
"""

from __future__ import annotations

import importlib

from omni.models.recorded import check_registered

MODEL_FAMILIES: dict[str, str] = {"omni": "omni.models.base", "dreamllm": "omni.models.dreamllm"}


def register_family(model_type: str, module: str) -> None:
    """Name the module that registers `model_type` (it is imported when a folder of that type is loaded)."""
    known = MODEL_FAMILIES.get(model_type)
    if known is not None and known != module:
        raise ValueError(f"model_type {model_type!r} is already registered by {known}, not {module}")
    MODEL_FAMILIES[model_type] = module


def import_family(model_type: str) -> None:
    """Import the module that registers `model_type` with the Auto classes; an unknown type names the known ones."""
    check_registered(model_type, MODEL_FAMILIES, "Omni model")
    importlib.import_module(MODEL_FAMILIES[model_type])
