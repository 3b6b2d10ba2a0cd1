"""The LLM base: any transformers causal LM, built from its config or loaded from a local directory."""

from omni.models.base.llm import build_llm, load_llm

__all__ = ["build_llm", "load_llm"]
