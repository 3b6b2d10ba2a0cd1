"""Dataset readers, one per storage format; each yields typed samples (pairs, conversations, documents)."""

from omni.data.datasets.webdataset_stream import ImageTextPairWebDataset, SkipCounter, TypedWebDataset

__all__ = ["ImageTextPairWebDataset", "SkipCounter", "TypedWebDataset"]
