"""What the registry knows about a dataset: its type, its approximate size, where its files are (relative to a data
root, resolved only when the dataset is built, never at import)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from enum import Enum
from pathlib import Path


class DatasetType(str, Enum):
    ImageTextPair = "image_text_pair"
    InterleavedImageText = "interleaved_image_text"
    Conversation = "conversation"
    InstructionInterleaved = "instruction_interleaved"
    TextOnly = "text_only"


def parse_size(size: str | int) -> int:
    """'10M' → 10_000_000; '558K' → 558_000; plain integers pass through."""
    if isinstance(size, int):
        return size
    units = {"K": 10**3, "M": 10**6, "B": 10**9}
    text = size.strip().upper()
    if text and text[-1] in units:
        return int(float(text[:-1]) * units[text[-1]])
    return int(text)


def default_data_root() -> Path:
    return Path(os.environ.get("OMNI_DATA_ROOT", "data"))


@dataclass
class WebDatasetInfo:
    """A webdataset: a JSON shard list (`{"shards": [...]}`, paths relative to the list's folder) under the data root."""

    name: str
    description: str
    dataset_type: DatasetType
    approx_size: str
    shard_list_path: str

    def location(self, data_root: str | Path | None = None) -> Path:
        return Path(data_root or default_data_root()) / self.shard_list_path

    def is_present(self, data_root: str | Path | None = None) -> bool:
        return self.location(data_root).is_file()

    def shard_urls(self, data_root: str | Path | None = None) -> list[str]:
        path = self.location(data_root)
        if not path.is_file():
            raise FileNotFoundError(
                f"dataset '{self.name}': shard list {path} not found. Set the data root with $OMNI_DATA_ROOT or "
                f"data.data_root, or create the data (for the toy world: python -m omni.data.toyworld --out {path.parent})."
            )
        shards = json.loads(path.read_text())["shards"]
        if not shards:
            raise ValueError(f"dataset '{self.name}': shard list {path} is empty")
        return [str(path.parent / shard) for shard in shards]


@dataclass
class JsonDatasetInfo:
    """An annotation JSON (a list of samples, LLaVA style: `{"id", "image", "conversations"}`) and an image folder,
    both under the data root."""

    name: str
    description: str
    dataset_type: DatasetType
    approx_size: str
    annotation_path: str
    image_root: str = ""

    def location(self, data_root: str | Path | None = None) -> Path:
        return Path(data_root or default_data_root()) / self.annotation_path

    def is_present(self, data_root: str | Path | None = None) -> bool:
        return self.location(data_root).is_file()

    def images_dir(self, data_root: str | Path | None = None) -> Path:
        return Path(data_root or default_data_root()) / self.image_root

    def load_annotations(self, data_root: str | Path | None = None) -> list[dict]:
        path = self.location(data_root)
        if not path.is_file():
            raise FileNotFoundError(f"dataset '{self.name}': annotation file {path} not found. Set the data root with "
                                    "$OMNI_DATA_ROOT or data.data_root.")
        try:
            items = json.loads(path.read_text())
        except json.JSONDecodeError as error:
            raise ValueError(f"dataset '{self.name}': {path} is not valid JSON ({error})") from None
        if not isinstance(items, list):
            raise ValueError(f"dataset '{self.name}': {path} must hold a list of samples, found {type(items).__name__}")
        return items
