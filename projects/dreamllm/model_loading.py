"""Build or load a DreamLLM and its tokenizer the same way for training, inference and evaluation."""

from __future__ import annotations

from typing import Any

from transformers import AutoTokenizer

from omni.config import instantiate
from omni.models.dreamllm import DreamLLMConfig, DreamLLMForCausalLM
from omni.models.zoo import resolve_model_path


def load_tokenizer(name_or_path: str) -> Any:
    return AutoTokenizer.from_pretrained(str(resolve_model_path(name_or_path)))


def build_model(config: Any, tokenizer_name_or_path: str | None, init_from: str | None) -> tuple[DreamLLMForCausalLM, Any]:
    """From a previous stage's folder if `init_from`, else a fresh model from the lazy `config`."""
    if init_from:
        return DreamLLMForCausalLM.from_pretrained(str(resolve_model_path(init_from))), load_tokenizer(init_from)
    model_config: DreamLLMConfig = instantiate(config)
    if tokenizer_name_or_path is None:
        raise ValueError("model.tokenizer_name_or_path is required when not starting from a previous stage (model.init_from)")
    tokenizer = model_config.attach_tokenizer(load_tokenizer(tokenizer_name_or_path))
    return DreamLLMForCausalLM.build(model_config), tokenizer
