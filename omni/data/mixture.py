"""Mix several sample streams by weight: each draw picks a stream with an RNG seeded by (seed, rank, worker).

Deterministic for a seed. A position is the number of draws made, how far into the current draw's group it is, and
every stream's own position; resuming replays the draws (a few random numbers each) and starts every stream at its
position. With `group_size` set to the per-device batch size, every batch comes from one stream: a batch is padded
to its longest sample, so mixing 75-token pairs with 500-token documents in one batch spends most of the compute on
padding (the toy recipe's stage II ran 3x slower for it); the expected share of each stream is unchanged, and all
ranks draw the same source for a step, so no rank waits for another's long batch.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from typing import Any

from omni.data.datasets.stream import POSITION_KEY, ResumableStream, Slot


class MixtureDataset(ResumableStream):
    def __init__(self, datasets: Sequence[ResumableStream], weights: Sequence[float], seed: int = 0, group_size: int = 1):
        super().__init__()
        if len(datasets) != len(weights) or not datasets:
            raise ValueError(f"{len(datasets)} datasets but {len(weights)} weights")
        if any(w < 0 for w in weights) or sum(weights) <= 0:
            raise ValueError(f"mixture weights must be non-negative and not all zero, got {list(weights)}")
        if group_size < 1:
            raise ValueError(f"group_size must be at least 1, got {group_size}")
        self.datasets, self.weights, self.seed = list(datasets), [float(w) for w in weights], seed
        self.group_size = group_size

    def _iterate(self, slot: Slot, start: dict[str, Any] | None) -> Iterator[dict[str, Any]]:
        # Grouped: the same source on every rank at each step (not per rank), or a step waits for whichever rank
        # drew a long document and batching by source saves little; the streams themselves are split across ranks.
        rank_key = "all" if self.group_size > 1 else slot.rank
        rng = random.Random(f"mixture-{self.seed}-{rank_key}-{slot.worker}")
        draws, in_group = (start["draws"], start["in_group"]) if start else (0, 0)
        positions = list(start["streams"]) if start else [None] * len(self.datasets)
        choices = range(len(self.datasets))
        for _ in range(draws - (1 if in_group else 0)):  # replay the draws already made
            rng.choices(choices, weights=self.weights)
        streams = [d._iterate(slot, p) for d, p in zip(self.datasets, positions)]
        index = rng.choices(choices, weights=self.weights)[0] if in_group else None
        while True:
            if not in_group:
                index, draws = rng.choices(choices, weights=self.weights)[0], draws + 1
            sample = next(streams[index])
            positions[index] = sample.get(POSITION_KEY)
            in_group = (in_group + 1) % self.group_size
            sample[POSITION_KEY] = {"draws": draws, "in_group": in_group, "streams": list(positions)}
            yield sample
