"""Dataset readers, one per storage format and sample type."""

from omni.data.datasets.pair_webdataset import ImageTextPairWebDataset, SkipCounter

__all__ = ["ImageTextPairWebDataset", "SkipCounter"]
