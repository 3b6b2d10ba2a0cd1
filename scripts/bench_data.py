"""Data loader throughput against raw tar reading, in the same process.

  python scripts/bench_data.py [--data_root data] [--dataset toyworld_pairs] [--samples 4000] [--repeats 3]
                               [--resume_at 4000]

Baseline: reading every member of the dataset's tars with `tarfile` (bytes only: the floor any loader pays). Then the
typed webdataset stream (shuffle buffer, PNG decode, sample parsing; what training reads before tokenising) through
a torch `DataLoader` with 0, 1 and 2 workers. Prints samples/s and the ratio to the baseline (median of repeats).
Then the cost of resuming: the time to the first batch after `--resume_at` consumed samples, replaying the stream
against starting at the saved position.
"""

from __future__ import annotations

import argparse
import statistics
import tarfile
import time

import torch
from torch.utils.data import DataLoader

from omni.data.constants import DataManager
from omni.data.datasets import TypedWebDataset


def raw_tar(urls: list[str], samples: int) -> float:
    """Samples per second reading the tars' bytes (one sample = the files sharing a key)."""
    started, keys = time.perf_counter(), set()
    for url in urls:
        with tarfile.open(url) as tar:
            for member in tar:
                if member.isfile():
                    tar.extractfile(member).read()
                    keys.add((url, member.name.split(".")[0]))
                if len(keys) >= samples:
                    return len(keys) / (time.perf_counter() - started)
    return len(keys) / (time.perf_counter() - started)


def loader(urls: list[str], dataset_type, samples: int, workers: int, batch_size: int = 32) -> float:
    stream = TypedWebDataset(urls, dataset_type, shuffle_buffer=1000, name="bench")
    batches = DataLoader(stream, batch_size=batch_size, num_workers=workers, collate_fn=list)
    started, seen = time.perf_counter(), 0
    for batch in batches:
        seen += len(batch)
        if seen >= samples:
            break
    return seen / (time.perf_counter() - started)


def resume_seconds(urls: list[str], dataset_type, consumed: int, batch_size: int = 32) -> tuple[float, float]:
    """Seconds to the first batch after `consumed` samples: replaying the stream (decode and drop) against starting at
    the saved position (omni.data.datasets.stream), one process, no workers."""
    from omni.data.datasets import DataPosition

    def first_batch(stream) -> float:
        started = time.perf_counter()
        next(iter(DataLoader(stream, batch_size=batch_size, collate_fn=list)))
        return time.perf_counter() - started

    position = DataPosition(1, 0)
    for batch in DataLoader(TypedWebDataset(urls, dataset_type, shuffle_buffer=1000, name="bench"),
                            batch_size=batch_size, collate_fn=lambda s: {"data_position": s[-1]["_position"]}):
        position.observe(batch)
        if position.batches * batch_size >= consumed:
            break
    started = time.perf_counter()
    replay = iter(TypedWebDataset(urls, dataset_type, shuffle_buffer=1000, name="bench"))
    for _ in range(position.batches * batch_size):
        next(replay)
    replayed = time.perf_counter() - started + first_batch(_Rest(replay))
    resumed_stream = TypedWebDataset(urls, dataset_type, shuffle_buffer=1000, name="bench")
    resumed_stream.load_state_dict(position.state_dict())
    return replayed, first_batch(resumed_stream)


class _Rest(torch.utils.data.IterableDataset):
    """What is left of an iterator, as a dataset."""

    def __init__(self, iterator):
        super().__init__()
        self.iterator = iterator

    def __iter__(self):
        return self.iterator


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data_root", default="data")
    parser.add_argument("--dataset", default="toyworld_pairs")
    parser.add_argument("--samples", type=int, default=4000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--resume_at", type=int, default=4000, help="samples consumed before the resume measurement")
    args = parser.parse_args(argv)
    info = DataManager.get(args.dataset)
    urls = info.shard_urls(args.data_root)
    runs: dict[str, list[float]] = {}
    for _ in range(args.repeats):  # interleaved, so drift in the machine's load hits every variant alike
        runs.setdefault("raw tar bytes", []).append(raw_tar(urls, args.samples))
        for workers in (0, 1, 2):
            runs.setdefault(f"loader, {workers} workers", []).append(loader(urls, info.dataset_type, args.samples, workers))
    base = statistics.median(runs["raw tar bytes"])
    print(f"{args.dataset}: {args.samples} samples, median of {args.repeats}")
    print(f"{'what':<22} {'samples/s':>10} {'ratio':>7}")
    for name, values in runs.items():
        value = statistics.median(values)
        print(f"{name:<22} {value:>10.0f} {value / base:>7.3f}")
    if args.resume_at:
        replayed, resumed = resume_seconds(urls, info.dataset_type, args.resume_at)
        print(f"first batch after {args.resume_at} consumed samples: replaying {replayed:.2f} s, from the saved "
              f"position {resumed:.2f} s (ratio {resumed / replayed:.3f})")


if __name__ == "__main__":
    main()
