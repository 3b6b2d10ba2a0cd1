"""Mix several sample streams by weight: each draw picks a stream with an RNG seeded by (seed, rank, worker).

Deterministic for a seed, so a resumed run that skips the samples it consumed sees exactly what it would have seen.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from typing import Any

from torch.utils.data import IterableDataset, get_worker_info

from omni.data.datasets.webdataset_stream import _distributed_position


class MixtureDataset(IterableDataset):
    def __init__(self, datasets: Sequence[IterableDataset], weights: Sequence[float], seed: int = 0):
        super().__init__()
        if len(datasets) != len(weights) or not datasets:
            raise ValueError(f"{len(datasets)} datasets but {len(weights)} weights")
        if any(w < 0 for w in weights) or sum(weights) <= 0:
            raise ValueError(f"mixture weights must be non-negative and not all zero, got {list(weights)}")
        self.datasets, self.weights, self.seed = list(datasets), [float(w) for w in weights], seed

    def __iter__(self) -> Iterator[dict[str, Any]]:
        rank, _ = _distributed_position()
        info = get_worker_info()
        rng = random.Random(f"mixture-{self.seed}-{rank}-{info.id if info else 0}")
        streams = [iter(d) for d in self.datasets]
        while True:
            index = rng.choices(range(len(streams)), weights=self.weights)[0]
            yield next(streams[index])
