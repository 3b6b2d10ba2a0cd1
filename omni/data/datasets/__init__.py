"""Dataset readers, one per storage format; each yields typed samples (pairs, conversations, documents, text)."""

from omni.data.datasets.hf_datasets import HFDataset
from omni.data.datasets.indexed import IndexedStream
from omni.data.datasets.json_conversations import JsonConversationDataset
from omni.data.datasets.stream import BadSample, DataPosition, ResumableStream, SkipCounter
from omni.data.datasets.webdataset_stream import ImageTextPairWebDataset, TypedWebDataset

__all__ = ["BadSample", "DataPosition", "HFDataset", "ImageTextPairWebDataset", "IndexedStream",
           "JsonConversationDataset", "ResumableStream", "SkipCounter", "TypedWebDataset"]
