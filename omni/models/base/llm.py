"""Build the base causal LM that an MLLM wraps: random from a config, or pretrained from a local directory."""

from __future__ import annotations

from transformers import AutoModelForCausalLM, PreTrainedConfig, PreTrainedModel

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
