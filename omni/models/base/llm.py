"""Build the base causal LM that an MLLM wraps: random from a config, or pretrained from a local directory."""

from __future__ import annotations

import importlib.util

import torch
from transformers import AutoModelForCausalLM, PreTrainedConfig, PreTrainedModel

from omni.models.base.packed_attention import SEGMENT_ATTENTION
from omni.models.zoo import resolve_model_path


def build_llm(config: PreTrainedConfig, attn_implementation: str = "sdpa") -> PreTrainedModel:
    """The LLM's architecture with fresh weights (loading pretrained ones is `load_llm_weights`)."""
    return AutoModelForCausalLM.from_config(config, attn_implementation=attn_implementation)


def load_llm(name_or_path: str, vocab_size: int, attn_implementation: str = "sdpa") -> PreTrainedModel:
    """A pretrained LLM from a local directory (or model zoo name), its embeddings resized for new tokens."""
    llm = AutoModelForCausalLM.from_pretrained(resolve_model_path(name_or_path), attn_implementation=attn_implementation)
    if llm.get_input_embeddings().num_embeddings < vocab_size:
        llm.resize_token_embeddings(vocab_size, mean_resizing=True)
    return llm


def attention_for_packing(configured: str, device: torch.device | str, flash_available: bool | None = None) -> str:
    """The attention a packed batch runs with (`data.packing`): each sample attends only to itself, and on a GPU the
    kernel should skip what the other samples' blocks would cost, not compute it and mask it away.

    On CUDA, with the default SDPA configured: flash-attention 2 when flash-attn imports (transformers' varlen path
    over the samples' boundaries), else torch's flex attention (a block mask from the same boundaries: fully masked
    blocks are skipped). On a CPU, SDPA over each sample's span in turn (`packed_attention`): flex attention has no
    CPU backward, and transformers' block-diagonal mask computes every sample against every other. An implementation
    other than SDPA was chosen on purpose and is kept."""
    if configured != "sdpa":
        return configured
    if torch.device(device).type != "cuda":
        return SEGMENT_ATTENTION
    if flash_available is None:
        flash_available = importlib.util.find_spec("flash_attn") is not None
    return "flash_attention_2" if flash_available else "flex_attention"
