"""Builders: turn typed samples into model token sequences with labels."""

from omni.data.builders.dreamllm import ConversationTemplate, Sequence, SequenceBuilder
from omni.data.builders.transforms import DreamLLMTransform

__all__ = ["ConversationTemplate", "DreamLLMTransform", "Sequence", "SequenceBuilder"]
