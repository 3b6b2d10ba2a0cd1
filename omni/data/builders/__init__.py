"""Builders: turn typed samples into model token sequences with labels."""

from omni.data.builders.dreamllm import DreamLLMPairTransform, SequenceBuilder

__all__ = ["DreamLLMPairTransform", "SequenceBuilder"]
