"""LLaVA-style annotation JSON + image folder, as a seeded stream split across ranks and workers.

Each epoch visits every sample once in an order seeded by (seed, epoch); rank r of w and worker k of n take every
(w·n)-th sample. Entries that are malformed or whose image is missing or undecodable are skipped and counted.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from PIL import Image
from torch.utils.data import IterableDataset, get_worker_info

from omni.data.dataset_info import JsonDatasetInfo
from omni.data.datasets.webdataset_stream import SkipCounter, _distributed_position


def parse_entry(entry: Any, image_root: Path) -> dict[str, Any]:
    if not isinstance(entry, dict) or not isinstance(entry.get("conversations"), list) or not entry["conversations"]:
        raise ValueError(f"entry {str(entry)[:80]!r} has no 'conversations' list")
    turns = entry["conversations"]
    for turn in turns:
        valid = isinstance(turn, dict) and turn.get("from") in ("human", "gpt", "user", "assistant")
        if not valid or not isinstance(turn.get("value"), str):
            raise ValueError(f"entry {entry.get('id')}: a turn must be {{from: human|gpt, value: str}}, got {turn!r}")
    names = entry.get("image") or []
    names = [names] if isinstance(names, str) else list(names)
    wanted = sum(t["value"].count("<image>") + t["value"].count("<dream>") for t in turns)
    if names and wanted == 0:  # LLaVA's single-image samples may omit the placeholder: the image goes first
        turns = [{**turns[0], "value": "<image>\n" + turns[0]["value"]}] + turns[1:]
        wanted = 1
    if wanted != len(names):
        raise ValueError(f"entry {entry.get('id')}: {wanted} image placeholders but {len(names)} images")
    images = []
    for name in names:
        path = image_root / name
        if not path.is_file():
            raise FileNotFoundError(f"entry {entry.get('id')}: image {path} is listed but absent")
        with Image.open(path) as image:
            images.append(image.convert("RGB"))
    return {"kind": "conversation", "conversations": turns, "images": images, "key": str(entry.get("id", "")), "meta": entry}


class JsonConversationDataset(IterableDataset):
    def __init__(self, info: JsonDatasetInfo, data_root: str | Path | None = None,
                 transform: Callable[[dict], dict] | None = None, seed: int = 0, epochs: int | None = None):
        super().__init__()
        self.info, self.transform, self.seed, self.epochs = info, transform, seed, epochs
        self.entries = info.load_annotations(data_root)
        self.image_root = info.images_dir(data_root)
        self.skipped = SkipCounter(info.name)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        rank, world = _distributed_position()
        worker_info = get_worker_info()
        worker, workers = (worker_info.id, worker_info.num_workers) if worker_info else (0, 1)
        for epoch in range(self.epochs) if self.epochs is not None else itertools.count():
            order = list(range(len(self.entries)))
            random.Random(f"{self.seed}-{epoch}").shuffle(order)
            produced = 0
            for index in order[rank * workers + worker::world * workers]:
                try:
                    sample = parse_entry(self.entries[index], self.image_root)
                    if "id" not in self.entries[index]:
                        sample["key"] = f"{self.info.name}-{index}"
                    yield self.transform(sample) if self.transform else sample
                    produced += 1
                except (ValueError, OSError) as error:
                    self.skipped(error)
            if produced == 0:
                raise RuntimeError(f"{self.info.name}: an epoch produced no samples ({self.skipped.count} skipped)")
