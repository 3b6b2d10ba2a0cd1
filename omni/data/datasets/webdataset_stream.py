"""Typed samples (pairs, conversations, interleaved documents, text) from webdataset shards, as an endless, seeded
stream split across ranks and workers.

Each epoch shuffles the shard order with a seed of (seed, epoch), gives every rank and data-loader worker its own
shards, and shuffles samples in a buffer seeded by (seed, epoch, rank, worker): the same run always sees the same
samples in the same order. A position is (epoch, records read after the shuffle); resuming replays the shuffle over
the raw records and skips the consumed ones before they are decoded. Bad samples (undecodable images, missing
captions, malformed JSON, images listed but absent, truncated tars) are skipped and counted, never fatal.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Iterator
from typing import Any

import webdataset as wds

from omni.data.dataset_info import DatasetType
from omni.data.datasets.json_conversations import check_turns
from omni.data.datasets.preference import parse_preference
from omni.data.datasets.stream import POSITION_KEY, BadSample, ResumableStream, SkipCounter, Slot

IMAGE_KEYS = ("jpg", "jpeg", "png", "webp")


def _images(sample: dict[str, Any]) -> list[Any]:
    """A sample's images: the single `png`/`jpg`, or `0.png`, `1.png`, … in numeric order."""
    single = [sample[k] for k in IMAGE_KEYS if k in sample]
    numbered = sorted((int(k.split(".")[0]), v) for k, v in sample.items()
                      if "." in k and k.split(".")[0].isdigit() and k.split(".")[-1] in IMAGE_KEYS)
    return [im.convert("RGB") for im in single + [v for _, v in numbered]]


def _meta(sample: dict[str, Any]) -> dict[str, Any]:
    meta = sample.get("json")
    if not isinstance(meta, dict):
        raise BadSample(sample.get("__key__"), "no JSON annotation")
    return meta


def to_pair(sample: dict[str, Any]) -> dict[str, Any]:
    images = _images(sample)
    if not images:
        raise BadSample(sample.get("__key__"), "no image", f"keys: {sorted(sample)}")
    text = sample.get("txt")
    if not isinstance(text, str) or not text.strip():
        raise BadSample(sample.get("__key__"), "no caption")
    return {"kind": "pair", "image": images[0], "text": text.strip(), "key": sample["__key__"], "meta": sample.get("json")}


def to_text(sample: dict[str, Any]) -> dict[str, Any]:
    text = sample.get("txt")
    if not isinstance(text, str) or not text.strip():
        raise BadSample(sample.get("__key__"), "no text")
    return {"kind": "text", "text": text.strip(), "key": sample["__key__"], "meta": sample.get("json")}


def to_conversation(sample: dict[str, Any]) -> dict[str, Any]:
    meta = _meta(sample)
    turns = check_turns(sample.get("__key__"), meta.get("conversations"))
    images = _images(sample)
    wanted = sum(t["value"].count("<image>") + t["value"].count("<dream>") for t in turns)
    if wanted != len(images):
        raise BadSample(sample.get("__key__"), "placeholders and images disagree", f"{wanted} placeholders, {len(images)} images")
    return {"kind": "conversation", "conversations": turns, "images": images, "key": sample["__key__"], "meta": meta}


def to_interleaved(sample: dict[str, Any]) -> dict[str, Any]:
    meta = _meta(sample)
    texts, info = meta.get("text_list"), meta.get("image_info", [])
    if not texts:
        raise BadSample(sample.get("__key__"), "no text", "empty text_list")
    by_name = {k: v.convert("RGB") for k, v in sample.items() if k.split(".")[-1] in IMAGE_KEYS}
    images, matched = [], []
    for entry in info:
        name = entry.get("image_name")
        if name not in by_name:
            raise BadSample(sample.get("__key__"), "image absent", f"{name!r} is listed")
        images.append(by_name[name])
        matched.append(int(entry["matched_text_index"]))
    return {"kind": "interleaved", "text_list": texts, "images": images, "matched_text_index": matched,
            "key": sample["__key__"], "meta": meta}


def to_instruction_interleaved(sample: dict[str, Any]) -> dict[str, Any]:
    document = to_interleaved(sample)
    instruction = document["meta"].get("instruction")
    if not isinstance(instruction, str) or not instruction.strip():
        raise BadSample(sample.get("__key__"), "no instruction")
    return {**document, "kind": "instruction_interleaved", "instruction": instruction.strip()}


def to_preference(sample: dict[str, Any]) -> dict[str, Any]:
    return parse_preference(sample["__key__"], _meta(sample), _images(sample))


PARSERS: dict[DatasetType, Callable[[dict[str, Any]], dict[str, Any]]] = {
    DatasetType.ImageTextPair: to_pair,
    DatasetType.Conversation: to_conversation,
    DatasetType.InterleavedImageText: to_interleaved,
    DatasetType.InstructionInterleaved: to_instruction_interleaved,
    DatasetType.TextOnly: to_text,
    DatasetType.Preference: to_preference,
}


class TypedWebDataset(ResumableStream):
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

    def _parse(self, sample: dict[str, Any]) -> dict[str, Any]:
        return {**self.parse(sample), "_raw": sample["__index__"]}

    def _pipeline(self, epoch: int, slot: Slot, skip: int) -> wds.DataPipeline:
        shards = list(self.urls)
        random.Random(f"{self.seed}-{epoch}").shuffle(shards)
        stages: list[Any] = [
            wds.SimpleShardList(shards[slot.index::slot.count]),
            wds.tarfile_to_samples(handler=self.skipped),
        ]
        if self.shuffle_buffer > 1:
            rng = random.Random(f"{self.seed}-{epoch}-{slot.rank}-{slot.worker}")
            stages.append(wds.shuffle(self.shuffle_buffer, initial=min(100, self.shuffle_buffer), rng=rng))
        stages += [_numbered(skip), wds.decode("pil", handler=self.skipped), wds.map(self._parse, handler=self.skipped)]
        return wds.DataPipeline(*stages)

    def _iterate(self, slot: Slot, start: dict[str, int] | None) -> Iterator[dict[str, Any]]:
        if len(self.urls) < slot.count:
            raise ValueError(f"{self.name}: {len(self.urls)} shards cannot feed {slot.world} ranks x {slot.workers} "
                             "workers; write more shards or use fewer workers")
        first, skip = (start["epoch"], start["raw"]) if start else (0, 0)
        epochs = range(first, self.epochs) if self.epochs is not None else itertools.count(first)
        for epoch in epochs:
            produced = 0
            for sample in self._pipeline(epoch, slot, skip if epoch == first else 0):
                position = {"epoch": epoch, "raw": sample.pop("_raw") + 1}
                if self.transform is not None:
                    try:
                        sample = self.transform(sample)
                    except Exception as error:  # a transform's failure on one sample must not end the run
                        self.skipped(error)
                        continue
                sample[POSITION_KEY] = position
                produced += 1
                yield sample
            self.skipped.summarize(epoch, produced)
            if produced == 0 and not (epoch == first and skip):
                raise RuntimeError(f"{self.name}: an epoch produced no samples ({self.skipped.count} skipped); "
                                   "are the shards empty or all corrupt?")


def _numbered(skip: int) -> Callable[[Iterator[dict[str, Any]]], Iterator[dict[str, Any]]]:
    """Number the raw records in stream order and drop the first `skip` before anything decodes them."""

    def stage(source: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for index, sample in enumerate(source):
            if index >= skip:
                sample["__index__"] = index
                yield sample

    return stage


class ImageTextPairWebDataset(TypedWebDataset):
    """Image–text pairs (`png`/`jpg` + `txt`)."""

    def __init__(self, urls: list[str], transform: Callable[[dict], dict] | None = None, seed: int = 0,
                 shuffle_buffer: int = 1000, name: str = "pairs", epochs: int | None = None):
        super().__init__(urls, DatasetType.ImageTextPair, transform, seed, shuffle_buffer, name, epochs)
