"""Mix several sample streams by weight: each draw picks a stream with an RNG seeded by (seed, rank, worker).

Deterministic for a seed, so a resumed run that skips the samples it consumed sees exactly what it would have seen.
With `group_size` set to the per-device batch size, every batch comes from one stream: a batch is padded to its
longest sample, so mixing 75-token pairs with 500-token documents in one batch spends most of the compute on padding
(the toy recipe's stage II ran 3x slower for it); the expected share of each stream is unchanged, and all ranks draw
the same source for a step, so no rank waits for another's long batch.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from typing import Any

from torch.utils.data import IterableDataset, get_worker_info

from omni.data.datasets.webdataset_stream import _distributed_position


class MixtureDataset(IterableDataset):
    def __init__(self, datasets: Sequence[IterableDataset], weights: Sequence[float], seed: int = 0, group_size: int = 1):
        super().__init__()
        if len(datasets) != len(weights) or not datasets:
            raise ValueError(f"{len(datasets)} datasets but {len(weights)} weights")
        if any(w < 0 for w in weights) or sum(weights) <= 0:
            raise ValueError(f"mixture weights must be non-negative and not all zero, got {list(weights)}")
        if group_size < 1:
            raise ValueError(f"group_size must be at least 1, got {group_size}")
        self.datasets, self.weights, self.seed = list(datasets), [float(w) for w in weights], seed
        self.group_size = group_size

    def __iter__(self) -> Iterator[dict[str, Any]]:
        rank, _ = _distributed_position()
        info = get_worker_info()
        # Grouped: the same source on every rank at each step (not per rank), or a step waits for whichever rank
        # drew a long document and batching by source saves little; the streams themselves are split across ranks.
        rank_key = "all" if self.group_size > 1 else rank
        rng = random.Random(f"mixture-{self.seed}-{rank_key}-{info.id if info else 0}")
        streams = [iter(d) for d in self.datasets]
        while True:
            index = rng.choices(range(len(streams)), weights=self.weights)[0]
            for _ in range(self.group_size):
                yield next(streams[index])
