"""Image–text pairs from webdataset shards, as an endless, seeded stream split across ranks and workers.

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


def to_pair(sample: dict[str, Any]) -> dict[str, Any]:
    image = next((sample[k] for k in IMAGE_KEYS if k in sample), None)
    if image is None:
        raise ValueError(f"sample {sample.get('__key__')} has no image (keys: {sorted(sample)})")
    text = sample.get("txt")
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"sample {sample.get('__key__')} has no caption")
    return {"image": image.convert("RGB"), "text": text.strip(), "key": sample["__key__"], "meta": sample.get("json")}


class ImageTextPairWebDataset(IterableDataset):
    def __init__(self, urls: list[str], transform: Callable[[dict], dict] | None = None, seed: int = 0,
                 shuffle_buffer: int = 1000, name: str = "pairs", epochs: int | None = None):
        super().__init__()
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
        stages += [wds.decode("pil", handler=self.skipped), wds.map(to_pair, handler=self.skipped)]
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
