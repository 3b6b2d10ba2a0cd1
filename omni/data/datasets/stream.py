"""What every sample stream shares: its place among ranks and loader workers, a resumable position, bad-sample counts.

A stream is an endless (or `epochs`-long) iterable whose order is a pure function of (seed, epoch, rank, world size,
worker, workers). Every sample it yields carries `_position`: the stream's state just after that sample, small and
JSON-able. The trainer keeps the position of the last sample of each batch it consumed (the collator passes it on
with the batch) and saves them with the checkpoint; `load_state_dict` then starts every worker exactly there.

Why positions and not "replay and drop what was consumed": replaying decodes, transforms and tokenizes every skipped
sample again (at step 100k of a real run, hours); a position costs nothing for indexed sources (JSON, HF datasets)
and, for tars, reading the skipped records' bytes without decoding them.

Loader workers hand batches out in turn (batch b comes from worker b mod n), so a run resumed after m batches
renumbers its workers by m mod n: the worker that serves the next batch is the one that would have served it.
"""

from __future__ import annotations

import collections
import logging
from collections.abc import Iterator
from typing import Any

import torch
from torch.utils.data import IterableDataset, get_worker_info

logger = logging.getLogger(__name__)

POSITION_KEY = "_position"
IMAGES = ("jpg", "jpeg", "png", "webp")


class BadSample(ValueError):
    """A sample that cannot be used, with a short reason under which it is counted ("no caption", "image absent")."""

    def __init__(self, key: Any, reason: str, detail: str = ""):
        super().__init__(f"sample {key}: {reason}" + (f" ({detail})" if detail else ""))
        self.reason = reason


def _reason(error: Exception) -> str:
    if isinstance(error, BadSample):
        return error.reason
    field = str(getattr(error, "k", "") or "")  # webdataset's DecodingError names the member it could not decode
    if field:
        extension = field.rsplit(".", 1)[-1].lower()
        return "malformed JSON" if extension == "json" else "undecodable image" if extension in IMAGES else "undecodable file"
    text = str(error).lower()
    if "decod" in text or "cannot identify image" in text or "image file is truncated" in text:
        return "undecodable image"
    if "tar" in text or "unexpected end of data" in text or "eof" in text:
        return "truncated or corrupt tar"
    return type(error).__name__


def _describe(error: Exception) -> str:
    if getattr(error, "k", None):
        cause = error.__cause__
        return f"{getattr(error, 'url', '')} sample {getattr(error, 'key', '')}: cannot decode {error.k} ({cause!r})"
    return str(error) or repr(error)


class SkipCounter:
    """Counts and logs skipped samples per reason (the first three and then every hundredth), never raises: a webdataset
    error handler and the reader's own. `summarize` logs an epoch's totals."""

    def __init__(self, name: str, log_every: int = 100):
        self.name, self.log_every = name, log_every
        self.reasons: collections.Counter[str] = collections.Counter()
        self._epoch_start: collections.Counter[str] = collections.Counter()

    @property
    def count(self) -> int:
        return sum(self.reasons.values())

    def __call__(self, error: Exception) -> bool:
        self.reasons[_reason(error)] += 1
        if self.count <= 3 or self.count % self.log_every == 0:
            logger.warning("%s: skipped a bad sample (%d so far): %s", self.name, self.count, _describe(error))
        return True

    def summarize(self, epoch: int, produced: int) -> None:
        new = self.reasons - self._epoch_start
        self._epoch_start = collections.Counter(self.reasons)
        if new:
            detail = ", ".join(f"{reason}: {n}" for reason, n in new.most_common())
            logger.warning("%s: epoch %d gave %d samples and skipped %d (%s)", self.name, epoch, produced,
                           sum(new.values()), detail)


def distributed_position() -> tuple[int, int]:
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return torch.distributed.get_rank(), torch.distributed.get_world_size()
    return 0, 1


class Slot:
    """Where one copy of a stream runs: rank of world, worker of workers (worker 0 of 1 outside a DataLoader)."""

    def __init__(self, rank: int = 0, world: int = 1, worker: int = 0, workers: int = 1):
        self.rank, self.world, self.worker, self.workers = rank, world, worker, workers

    @property
    def index(self) -> int:
        return self.rank * self.workers + self.worker

    @property
    def count(self) -> int:
        return self.world * self.workers


class ResumableStream(IterableDataset):
    """Base of the readers and the mixture: `_iterate(slot, start)` yields samples tagged with positions from
    `start` (None: the beginning); `__iter__` finds the slot and the saved start of this worker."""

    _resume: dict[str, Any] | None = None

    def _iterate(self, slot: Slot, start: Any) -> Iterator[dict[str, Any]]:
        raise NotImplementedError

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Start from a position the trainer saved: `{"world", "workers", "batches", "positions": {worker: pos}}`.
        A different world size or worker count deals samples differently, so it is refused (ValueError)."""
        _, world = distributed_position()
        if state.get("world") != world:
            raise ValueError(f"the data position was saved with {state.get('world')} processes, this run has {world}")
        self._resume = state

    def __iter__(self) -> Iterator[dict[str, Any]]:
        rank, world = distributed_position()
        info = get_worker_info()
        worker, workers = (info.id, info.num_workers) if info else (0, 1)
        start = None
        if self._resume is not None:
            if self._resume.get("workers") != workers:
                raise ValueError(f"the data position was saved with {self._resume.get('workers')} loader workers, "
                                 f"this loader has {workers}")
            worker = (worker + int(self._resume.get("batches", 0))) % workers
            start = self._resume["positions"].get(str(worker))
        for sample in self._iterate(Slot(rank, world, worker, workers), start):
            sample[POSITION_KEY] = {"worker": worker, "state": sample.get(POSITION_KEY)}
            yield sample


class DataPosition:
    """The trainer's record of where each loader worker stands: fed each consumed batch, saved with checkpoints."""

    def __init__(self, world: int, workers: int, batches: int = 0, positions: dict[str, Any] | None = None):
        self.world, self.workers, self.batches = world, max(workers, 1), batches
        self.positions: dict[str, Any] = dict(positions or {})

    def observe(self, batch: dict[str, Any]) -> dict[str, Any]:
        """Take the batch's position out (it is not a tensor) and remember it."""
        position = batch.pop("data_position", None)
        self.batches += 1
        if position is not None:
            self.positions[str(position["worker"])] = position["state"]
        return batch

    def state_dict(self) -> dict[str, Any]:
        return {"world": self.world, "workers": self.workers, "batches": self.batches, "positions": self.positions}
