"""What the registry knows about a dataset: its type, its approximate size, where its files are (relative to a data
root, resolved only when the dataset is built, never at import)."""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

import braceexpand


class DatasetType(str, Enum):
    ImageTextPair = "image_text_pair"
    InterleavedImageText = "interleaved_image_text"
    Conversation = "conversation"
    InstructionInterleaved = "instruction_interleaved"
    TextOnly = "text_only"
    Preference = "preference"  # (image(s), prompt, chosen, rejected): DPO data


def as_dataset_type(value: DatasetType | str) -> DatasetType:
    """A type by value ("image_text_pair") or by name ("ImageTextPair"), as config files write it."""
    if isinstance(value, DatasetType):
        return value
    for dataset_type in DatasetType:
        if value in (dataset_type.value, dataset_type.name):
            return dataset_type
    raise ValueError(f"unknown dataset type {value!r}; one of {[t.value for t in DatasetType]}")


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
class DatasetInfo:
    """What every registered dataset has: a name, a description, a sample type, an approximate size; its files lie
    under the data root."""

    name: str
    description: str
    dataset_type: DatasetType
    approx_size: str

    def __post_init__(self) -> None:
        self.dataset_type = as_dataset_type(self.dataset_type)

    @staticmethod
    def under_root(relative: str, data_root: str | Path | None = None) -> Path:
        return Path(data_root or default_data_root()) / relative


@dataclass
class WebDatasetInfo(DatasetInfo):
    """A webdataset under the data root: a shard list file (JSON `{"shards": [...]}` or one path per line in a `.txt`,
    paths relative to the list's folder) or a brace pattern (`laion/{00000..00999}.tar`)."""

    shard_list_path: str = ""
    shard_pattern: str = ""

    def __post_init__(self) -> None:
        super().__post_init__()
        if bool(self.shard_list_path) == bool(self.shard_pattern):
            raise ValueError(f"dataset '{self.name}': give either shard_list_path or shard_pattern")

    def location(self, data_root: str | Path | None = None) -> Path:
        return self.under_root(self.shard_list_path or self.shard_pattern, data_root)

    def is_present(self, data_root: str | Path | None = None) -> bool:
        if self.shard_pattern:
            return all(Path(url).is_file() for url in self.shard_urls(data_root))
        return self.location(data_root).is_file()

    def shard_urls(self, data_root: str | Path | None = None) -> list[str]:
        path = self.location(data_root)
        if self.shard_pattern:
            return list(braceexpand.braceexpand(str(path)))
        if not path.is_file():
            raise FileNotFoundError(
                f"dataset '{self.name}': shard list {path} not found. Set the data root with $OMNI_DATA_ROOT or "
                f"data.data_root, or create the data (for the toy world: python -m omni.data.toyworld --out {path.parent})."
            )
        if path.suffix == ".txt":
            shards = [line.strip() for line in path.read_text().splitlines() if line.strip()]
        else:
            shards = json.loads(path.read_text())["shards"]
        if not shards:
            raise ValueError(f"dataset '{self.name}': shard list {path} is empty")
        return [str(path.parent / shard) for shard in shards]


@dataclass
class JsonDatasetInfo(DatasetInfo):
    """An annotation JSON (a list of samples, LLaVA style: `{"id", "image", "conversations"}`) and an image folder,
    both under the data root."""

    annotation_path: str
    image_root: str = ""

    def location(self, data_root: str | Path | None = None) -> Path:
        return self.under_root(self.annotation_path, data_root)

    def is_present(self, data_root: str | Path | None = None) -> bool:
        return self.location(data_root).is_file()

    def images_dir(self, data_root: str | Path | None = None) -> Path:
        return self.under_root(self.image_root, data_root)

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


@dataclass
class HFDatasetInfo(DatasetInfo):
    """A Hugging Face `datasets` dataset from local files under the data root: a `save_to_disk` folder or data files
    (`laion/*.parquet`, `docs.jsonl`). `columns` maps Omni's column names (image, text, conversations, images, texts)
    to the dataset's; `image_root` is where image paths in a column are relative to."""

    path: str
    split: str = "train"
    columns: dict[str, str] = field(default_factory=dict)
    image_root: str = ""

    def location(self, data_root: str | Path | None = None) -> Path:
        return self.under_root(self.path, data_root)

    def is_present(self, data_root: str | Path | None = None) -> bool:
        path = self.location(data_root)
        return path.exists() or any(path.parent.glob(path.name))

    def images_dir(self, data_root: str | Path | None = None) -> Path:
        return self.under_root(self.image_root, data_root)


FORMATS = {"webdataset": WebDatasetInfo, "json": JsonDatasetInfo, "hf": HFDatasetInfo}


def info_from_dict(entry: dict[str, Any]) -> DatasetInfo:
    """A registry entry from a config file: `{format: webdataset|json|hf, name, description, dataset_type, ...}`."""
    entry = dict(entry)
    kind = entry.pop("format", None)
    if kind not in FORMATS:
        raise ValueError(f"dataset entry {entry.get('name', entry)!r}: 'format' must be one of {sorted(FORMATS)}, got {kind!r}")
    cls = FORMATS[kind]
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(entry) - names)
    if unknown:
        import difflib

        hints = [f"{key} (did you mean {close[0]}?)" if (close := difflib.get_close_matches(key, names, n=1)) else key
                 for key in unknown]
        raise ValueError(f"dataset entry {entry.get('name')!r}: unknown keys {', '.join(hints)}")
    entry.setdefault("description", "")
    try:
        return cls(**entry)
    except TypeError as error:
        raise ValueError(f"dataset entry {entry.get('name')!r}: {error}") from None
