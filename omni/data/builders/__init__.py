"""Builders: turn typed samples into model token sequences with labels."""

from omni.data.builders.sequence import ConversationTemplate, Sequence, SequenceBuilder
from omni.data.builders.transforms import MultimodalTransform

__all__ = ["ConversationTemplate", "MultimodalTransform", "Sequence", "SequenceBuilder"]
