"""Typed samples (pairs, conversations, interleaved documents) from webdataset shards, as an endless, seeded
stream split across ranks and workers.

Each epoch shuffles the shard order with a seed of (seed, epoch), gives every rank and data-loader worker its own
shards, and shuffles samples in a buffer seeded by (seed, epoch, rank, worker): the same run always sees the same
samples in the same order. Bad samples (undecodable images, missing captions, truncated tars) are skipped and
counted, never fatal.
"""

from __future__ import annotations

import itertools
import logging
import random
from collections.abc import Callable, Iterator
from typing import Any

import torch
import webdataset as wds
from torch.utils.data import IterableDataset, get_worker_info

from omni.data.dataset_info import DatasetType

logger = logging.getLogger(__name__)

IMAGE_KEYS = ("jpg", "jpeg", "png", "webp")


class SkipCounter:
    """A webdataset error handler that counts and logs each skipped sample instead of sleeping or raising."""

    def __init__(self, name: str, log_every: int = 100):
        self.name, self.count, self.log_every = name, 0, log_every

    def __call__(self, error: Exception) -> bool:
        self.count += 1
        if self.count <= 3 or self.count % self.log_every == 0:
            logger.warning("%s: skipped a bad sample (%d so far): %s", self.name, self.count, error)
        return True


def _distributed_position() -> tuple[int, int]:
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return torch.distributed.get_rank(), torch.distributed.get_world_size()
    return 0, 1


def _images(sample: dict[str, Any]) -> list[Any]:
    """A sample's images: the single `png`/`jpg`, or `0.png`, `1.png`, … in numeric order."""
    single = [sample[k] for k in IMAGE_KEYS if k in sample]
    numbered = sorted((int(k.split(".")[0]), v) for k, v in sample.items()
                      if "." in k and k.split(".")[0].isdigit() and k.split(".")[-1] in IMAGE_KEYS)
    return [im.convert("RGB") for im in single + [v for _, v in numbered]]


def _meta(sample: dict[str, Any]) -> dict[str, Any]:
    meta = sample.get("json")
    if not isinstance(meta, dict):
        raise ValueError(f"sample {sample.get('__key__')} has no JSON annotation")
    return meta


def to_pair(sample: dict[str, Any]) -> dict[str, Any]:
    images = _images(sample)
    if not images:
        raise ValueError(f"sample {sample.get('__key__')} has no image (keys: {sorted(sample)})")
    text = sample.get("txt")
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"sample {sample.get('__key__')} has no caption")
    return {"kind": "pair", "image": images[0], "text": text.strip(), "key": sample["__key__"], "meta": sample.get("json")}


def to_text(sample: dict[str, Any]) -> dict[str, Any]:
    text = sample.get("txt")
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"sample {sample.get('__key__')} has no text")
    return {"kind": "text", "text": text.strip(), "key": sample["__key__"], "meta": sample.get("json")}


def to_conversation(sample: dict[str, Any]) -> dict[str, Any]:
    meta = _meta(sample)
    turns = meta.get("conversations")
    if not turns or not all(isinstance(t, dict) and "from" in t and "value" in t for t in turns):
        raise ValueError(f"sample {sample.get('__key__')}: 'conversations' must be a list of {{from, value}} turns")
    images = _images(sample)
    wanted = sum(t["value"].count("<image>") + t["value"].count("<dream>") for t in turns)
    if wanted != len(images):
        raise ValueError(f"sample {sample.get('__key__')}: {wanted} image placeholders but {len(images)} images")
    return {"kind": "conversation", "conversations": turns, "images": images, "key": sample["__key__"], "meta": meta}


def to_interleaved(sample: dict[str, Any]) -> dict[str, Any]:
    meta = _meta(sample)
    texts, info = meta.get("text_list"), meta.get("image_info", [])
    if not texts:
        raise ValueError(f"sample {sample.get('__key__')} has no text_list")
    by_name = {k: v.convert("RGB") for k, v in sample.items() if k.split(".")[-1] in IMAGE_KEYS}
    images, matched = [], []
    for entry in info:
        name = entry.get("image_name")
        if name not in by_name:
            raise ValueError(f"sample {sample.get('__key__')}: image {name!r} listed but absent")
        images.append(by_name[name])
        matched.append(int(entry["matched_text_index"]))
    return {"kind": "interleaved", "text_list": texts, "images": images, "matched_text_index": matched,
            "key": sample["__key__"], "meta": meta}


PARSERS: dict[DatasetType, Callable[[dict[str, Any]], dict[str, Any]]] = {
    DatasetType.ImageTextPair: to_pair,
    DatasetType.Conversation: to_conversation,
    DatasetType.InterleavedImageText: to_interleaved,
    DatasetType.TextOnly: to_text,
}


class TypedWebDataset(IterableDataset):
    def __init__(self, urls: list[str], dataset_type: DatasetType = DatasetType.ImageTextPair,
                 transform: Callable[[dict], dict] | None = None, seed: int = 0, shuffle_buffer: int = 1000,
                 name: str = "webdataset", epochs: int | None = None):
        super().__init__()
        if dataset_type not in PARSERS:
            raise ValueError(f"{name}: no webdataset reader for type {dataset_type}")
        self.parse = PARSERS[dataset_type]
        self.urls, self.transform, self.seed = list(urls), transform, seed
        self.shuffle_buffer, self.name, self.epochs = shuffle_buffer, name, epochs
        self.skipped = SkipCounter(name)

    def _pipeline(self, epoch: int, rank: int, world: int, worker: int, workers: int) -> wds.DataPipeline:
        shards = list(self.urls)
        random.Random(f"{self.seed}-{epoch}").shuffle(shards)
        mine = shards[rank * workers + worker::world * workers]
        stages: list[Any] = [
            wds.SimpleShardList(mine),
            wds.tarfile_to_samples(handler=self.skipped),
        ]
        if self.shuffle_buffer > 1:
            rng = random.Random(f"{self.seed}-{epoch}-{rank}-{worker}")
            stages.append(wds.shuffle(self.shuffle_buffer, initial=min(100, self.shuffle_buffer), rng=rng))
        stages += [wds.decode("pil", handler=self.skipped), wds.map(self.parse, handler=self.skipped)]
        if self.transform is not None:
            stages.append(wds.map(self.transform, handler=self.skipped))
        return wds.DataPipeline(*stages)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        rank, world = _distributed_position()
        info = get_worker_info()
        worker, workers = (info.id, info.num_workers) if info else (0, 1)
        if len(self.urls) < world * workers:
            raise ValueError(f"{self.name}: {len(self.urls)} shards cannot feed {world} ranks x {workers} workers; "
                             "write more shards or use fewer workers")
        epochs = range(self.epochs) if self.epochs is not None else itertools.count()
        for epoch in epochs:
            produced = 0
            for sample in self._pipeline(epoch, rank, world, worker, workers):
                produced += 1
                yield sample
            if produced == 0:
                raise RuntimeError(f"{self.name}: an epoch produced no samples ({self.skipped.count} skipped); "
                                   "are the shards empty or all corrupt?")


class ImageTextPairWebDataset(TypedWebDataset):
    """Image–text pairs (`png`/`jpg` + `txt`)."""

    def __init__(self, urls: list[str], transform: Callable[[dict], dict] | None = None, seed: int = 0,
                 shuffle_buffer: int = 1000, name: str = "pairs", epochs: int | None = None):
        super().__init__(urls, DatasetType.ImageTextPair, transform, seed, shuffle_buffer, name, epochs)
