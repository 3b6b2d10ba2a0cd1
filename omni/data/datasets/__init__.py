"""Dataset readers, one per storage format; each yields typed samples (pairs, conversations, documents)."""

from omni.data.datasets.json_conversations import JsonConversationDataset
from omni.data.datasets.webdataset_stream import ImageTextPairWebDataset, SkipCounter, TypedWebDataset

__all__ = ["ImageTextPairWebDataset", "JsonConversationDataset", "SkipCounter", "TypedWebDataset"]
