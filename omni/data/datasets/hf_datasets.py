"""A Hugging Face `datasets` dataset from local files (a `save_to_disk` folder, or parquet/JSON/CSV/arrow files) as a
typed sample stream. Local only: nothing is fetched from the Hub.

Columns are named per type (`HFDatasetInfo.columns` renames them): pairs `image` + `text`, text `text`,
conversations `conversations` (+ `image`: one image, a list, or none), interleaved documents in OBELICS layout
`texts` + `images` (two aligned lists, `None` where the other one has an item), instruction-following documents
the same plus `instruction`. Images may be decoded `Image`
features, `{"bytes", "path"}` structs (parquet written without features) or paths under `image_root`.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PIL import Image

from omni.data.dataset_info import DatasetType, HFDatasetInfo
from omni.data.datasets.indexed import IndexedStream
from omni.data.datasets.json_conversations import check_turns, place_images
from omni.data.datasets.stream import BadSample

DEFAULT_COLUMNS = {"image": "image", "text": "text", "conversations": "conversations", "images": "images",
                   "texts": "texts", "instruction": "instruction"}
_BUILDERS = {".parquet": "parquet", ".json": "json", ".jsonl": "json", ".csv": "csv", ".arrow": "arrow"}


def load_local(info: HFDatasetInfo, data_root: str | Path | None = None) -> Any:
    import datasets

    path = info.location(data_root)
    if path.is_dir() and ((path / "dataset_info.json").is_file() or (path / "dataset_dict.json").is_file()):
        loaded = datasets.load_from_disk(str(path))
        if isinstance(loaded, datasets.DatasetDict):
            if info.split not in loaded:
                raise ValueError(f"dataset '{info.name}': no split '{info.split}' in {path} (has {list(loaded)})")
            loaded = loaded[info.split]
        return loaded
    files = sorted(path.parent.glob(path.name)) if any(c in path.name for c in "*?[") else [path]
    files = [f for f in files if f.is_file()]
    if not files:
        raise FileNotFoundError(f"dataset '{info.name}': {path} is neither a save_to_disk folder nor existing data "
                                "files. Set the data root with $OMNI_DATA_ROOT or data.data_root.")
    suffixes = {f.suffix for f in files}
    if len(suffixes) != 1 or next(iter(suffixes)) not in _BUILDERS:
        raise ValueError(f"dataset '{info.name}': data files must share one of {sorted(_BUILDERS)}, found {suffixes}")
    return datasets.load_dataset(_BUILDERS[files[0].suffix], data_files=[str(f) for f in files], split="train")


class HFDataset(IndexedStream):
    def __init__(self, info: HFDatasetInfo, data_root: str | Path | None = None,
                 transform: Callable[[dict], dict] | None = None, seed: int = 0, epochs: int | None = None):
        super().__init__(info.name, transform, seed, epochs)
        self.info, self.columns = info, {**DEFAULT_COLUMNS, **info.columns}
        self.table = load_local(info, data_root)
        self.image_root = info.images_dir(data_root)
        self.convert = {
            DatasetType.ImageTextPair: self._pair, DatasetType.TextOnly: self._text,
            DatasetType.Conversation: self._conversation, DatasetType.InterleavedImageText: self._interleaved,
            DatasetType.InstructionInterleaved: self._instruction_interleaved,
        }.get(info.dataset_type)
        if self.convert is None:
            raise ValueError(f"dataset '{info.name}': no Hugging Face reader for type {info.dataset_type}")
        needed = {DatasetType.ImageTextPair: ["image", "text"], DatasetType.TextOnly: ["text"],
                  DatasetType.Conversation: ["conversations"], DatasetType.InterleavedImageText: ["texts", "images"],
                  DatasetType.InstructionInterleaved: ["instruction", "texts", "images"]}
        missing = [self.columns[c] for c in needed[info.dataset_type] if self.columns[c] not in self.table.column_names]
        if missing:
            raise ValueError(f"dataset '{info.name}': columns {missing} not found (has {self.table.column_names}); "
                             "rename them with HFDatasetInfo(columns={...})")

    def __len__(self) -> int:
        return len(self.table)

    def sample(self, index: int) -> dict[str, Any]:
        row = self.table[index]
        meta = {k: v for k, v in row.items() if isinstance(v, (str, int, float, bool))}  # e.g. an `instruction`
        return {**self.convert(row, f"{self.name}-{index}"), "meta": meta}

    def _image(self, key: str, value: Any) -> Image.Image:
        try:
            if isinstance(value, Image.Image):
                return value.convert("RGB")
            if isinstance(value, dict) and value.get("bytes"):
                return Image.open(io.BytesIO(value["bytes"])).convert("RGB")
            path = value.get("path") if isinstance(value, dict) else value
            if isinstance(path, str) and path:
                full = self.image_root / path
                if not full.is_file():
                    raise BadSample(key, "image absent", f"{full} is listed")
                with Image.open(full) as image:
                    return image.convert("RGB")
        except OSError as error:
            raise BadSample(key, "undecodable image", str(error)) from None
        raise BadSample(key, "no image")

    def _text_of(self, key: str, row: dict[str, Any], reason: str) -> str:
        text = row.get(self.columns["text"])
        if not isinstance(text, str) or not text.strip():
            raise BadSample(key, reason)
        return text.strip()

    def _pair(self, row: dict[str, Any], key: str) -> dict[str, Any]:
        text = self._text_of(key, row, "no caption")
        return {"kind": "pair", "image": self._image(key, row.get(self.columns["image"])), "text": text, "key": key}

    def _text(self, row: dict[str, Any], key: str) -> dict[str, Any]:
        return {"kind": "text", "text": self._text_of(key, row, "no text"), "key": key}

    def _conversation(self, row: dict[str, Any], key: str) -> dict[str, Any]:
        turns = row.get(self.columns["conversations"])
        if isinstance(turns, str):
            try:
                turns = json.loads(turns)
            except json.JSONDecodeError as error:
                raise BadSample(key, "malformed JSON", str(error)) from None
        images = row.get(self.columns["image"])
        images = [] if images is None else images if isinstance(images, list) else [images]
        turns = place_images(key, check_turns(key, turns), len(images))
        return {"kind": "conversation", "conversations": turns, "images": [self._image(key, i) for i in images],
                "key": key}

    def _interleaved(self, row: dict[str, Any], key: str) -> dict[str, Any]:
        """OBELICS order to MMC4 fields: an image belongs after the text before it (the first text if none is)."""
        texts, images = row.get(self.columns["texts"]) or [], row.get(self.columns["images"]) or []
        if len(texts) != len(images):
            raise BadSample(key, "malformed document", f"{len(texts)} texts but {len(images)} images")
        text_list, pictures, matched = [], [], []
        for text, image in zip(texts, images):
            if isinstance(text, str) and text.strip():
                text_list.append(text.strip())
            elif image is not None:
                pictures.append(self._image(key, image))
                matched.append(max(len(text_list) - 1, 0))
        if not text_list:
            raise BadSample(key, "no text")
        return {"kind": "interleaved", "text_list": text_list, "images": pictures, "matched_text_index": matched,
                "key": key}

    def _instruction_interleaved(self, row: dict[str, Any], key: str) -> dict[str, Any]:
        instruction = row.get(self.columns["instruction"])
        if not isinstance(instruction, str) or not instruction.strip():
            raise BadSample(key, "no instruction")
        return {**self._interleaved(row, key), "kind": "instruction_interleaved", "instruction": instruction.strip()}
