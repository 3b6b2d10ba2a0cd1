"""A stream over an indexable source (a JSON list, a Hugging Face dataset): each epoch visits every entry once in an
order seeded by (seed, epoch); rank r of w and worker k of n take every (w·n)-th entry. A position is (epoch, entries
of this slot taken), so resuming costs nothing: no entry before it is read."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Iterator
from typing import Any

from omni.data.datasets.stream import POSITION_KEY, ResumableStream, SkipCounter, Slot


class IndexedStream(ResumableStream):
    def __init__(self, name: str, transform: Callable[[dict], dict] | None = None, seed: int = 0,
                 epochs: int | None = None):
        super().__init__()
        self.name, self.transform, self.seed, self.epochs = name, transform, seed, epochs
        self.skipped = SkipCounter(name)

    def __len__(self) -> int:
        raise NotImplementedError

    def sample(self, index: int) -> dict[str, Any]:
        """Entry `index` as a typed sample; raises (ValueError, OSError) for a bad one, which is skipped."""
        raise NotImplementedError

    def _iterate(self, slot: Slot, start: dict[str, int] | None) -> Iterator[dict[str, Any]]:
        first, taken = (start["epoch"], start["index"]) if start else (0, 0)
        epochs = range(first, self.epochs) if self.epochs is not None else itertools.count(first)
        for epoch in epochs:
            order = list(range(len(self)))
            random.Random(f"{self.seed}-{epoch}").shuffle(order)
            mine = order[slot.index::slot.count]
            produced = 0
            for position in range(taken if epoch == first else 0, len(mine)):
                try:
                    sample = self.sample(mine[position])
                    if self.transform is not None:
                        sample = self.transform(sample)
                except Exception as error:  # one bad entry must not end the run
                    self.skipped(error)
                    continue
                sample[POSITION_KEY] = {"epoch": epoch, "index": position + 1}
                produced += 1
                yield sample
            self.skipped.summarize(epoch, produced)
            if produced == 0 and not (epoch == first and taken):
                raise RuntimeError(f"{self.name}: an epoch produced no samples ({self.skipped.count} skipped)")
