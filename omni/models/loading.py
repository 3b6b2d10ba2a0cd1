"""Build or load any Omni model and its tokenizer the same way for training, inference and evaluation.

A saved model's class comes from its config's `model_type` (a family of `omni.models.families`, whose module
registers it with transformers' Auto classes), a fresh one's from its config's class, so no caller names a family.

Stages chain through folders: a stage starts from the previous stage's export (`init_from`), and runs that trained
disjoint parts in parallel (stage I comprehension and creation) are merged by copying, from each, exactly the
parameters its own config says it trained (`merge_from`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file
from transformers import AutoConfig, AutoModel, AutoTokenizer, PretrainedConfig

from omni.config import LazyConfig, instantiate
from omni.models.base import OmniConfig, OmniForCausalLM
from omni.models.families import import_family
from omni.models.trainable import trainable_names
from omni.models.zoo import resolve_model_path
from omni.utils.logging import get_logger

logger = get_logger(__name__)


def load_tokenizer(name_or_path: str) -> Any:
    return AutoTokenizer.from_pretrained(str(resolve_model_path(name_or_path)))


def model_class(config: OmniConfig) -> type[OmniForCausalLM]:
    """The model class of a config (its class registered with `AutoModel`)."""
    try:
        return AutoModel._model_mapping[type(config)]
    except KeyError:
        raise ValueError(f"{type(config).__name__} (model_type {config.model_type!r}) is not registered with "
                         f"transformers' AutoModel: register it beside its model class") from None


def load_model(path: str | Path) -> OmniForCausalLM:
    """A saved model (an export or a run's output folder), as the class its config names."""
    path = str(resolve_model_path(path))
    model_type = PretrainedConfig.get_config_dict(path)[0].get("model_type")
    if model_type is None:
        raise ValueError(f"{path}/config.json names no model_type: it is not a saved Omni model")
    import_family(model_type)
    return model_class(AutoConfig.from_pretrained(path)).from_pretrained(path)


def merge_trained_parameters(model: OmniForCausalLM, run_dir: str | Path) -> list[str]:
    """Copy into `model` the parameters that the run in `run_dir` trained (its saved `training.trainable`)."""
    run_dir = Path(run_dir)
    config_file = run_dir / "config.yaml"
    if not config_file.exists():
        raise FileNotFoundError(f"{run_dir} has no config.yaml: merge_from needs the output folder of a training run")
    patterns = list(LazyConfig.load(config_file).training.trainable)
    weights = {}
    for shard in sorted(run_dir.glob("*.safetensors")):
        weights.update(load_file(shard))
    trained = trainable_names(model, patterns)
    copied = []
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if name in trained:
                if name not in weights:
                    raise KeyError(f"{run_dir} trained {name} but its export does not hold it")
                parameter.copy_(weights[name])
                copied.append(name)
    logger.info("merged %d trained tensors from %s (%s)", len(copied), run_dir, ", ".join(patterns))
    return copied


def build_model(config: Any, tokenizer_name_or_path: str | None, init_from: str | None,
                merge_from: list[str] | None = None) -> tuple[OmniForCausalLM, Any]:
    """From a previous stage's folder if `init_from`, else a fresh model from the lazy `config`. Both at once is an
    error: the loaded model keeps its own config, so the given one would be silently ignored."""
    if init_from and config is not None:
        raise ValueError(f"model.init_from={init_from!r} loads a model with its own config, so model.config would be "
                         "ignored: set model.config=None in a stage that starts from a previous one (its loss weights "
                         "go in model.loss_weights)")
    if init_from:
        model = load_model(init_from)
        tokenizer = load_tokenizer(init_from)
    else:
        if config is None:
            raise ValueError("model.config or model.init_from is required: there is no model to train")
        model_config: OmniConfig = instantiate(config)
        if tokenizer_name_or_path is None:
            raise ValueError("model.tokenizer_name_or_path is required when not starting from a previous stage (model.init_from)")
        tokenizer = model_config.attach_tokenizer(load_tokenizer(tokenizer_name_or_path))
        model = model_class(model_config).build(model_config)
    for run_dir in merge_from or []:
        merge_trained_parameters(model, run_dir)
    return model, tokenizer
