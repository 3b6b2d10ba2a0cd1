"""The toy world's training pairs in memory, as tensors: what every toy-zoo trainer reads."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from omni.data.constants import DataManager
from omni.data.datasets import ImageTextPairWebDataset
from omni.data.toyworld.world import COLORS, POSITIONS, SHAPES, SIZES

ATTRIBUTES = {"color": list(COLORS), "shape": list(SHAPES), "size": list(SIZES), "position": list(POSITIONS)}


@dataclass
class PairTensors:
    images: torch.Tensor  # uint8 [N, 3, H, W]
    captions: list[str]
    labels: torch.Tensor  # long [N, 4]: colour, shape, size, position indices
    heldout: torch.Tensor  # bool [N]

    def __len__(self) -> int:
        return len(self.captions)

    def subset(self, count: int) -> PairTensors:
        """The first `count` pairs (the shards are already in random order)."""
        return PairTensors(self.images[:count], self.captions[:count], self.labels[:count], self.heldout[:count])

    def pixels(self, index: torch.Tensor) -> torch.Tensor:
        """Images at `index` as floats in [-1, 1]."""
        return self.images[index].float() / 127.5 - 1.0


def scene_labels(scene: dict) -> list[int]:
    return [ATTRIBUTES[name].index(scene[name]) for name in ATTRIBUTES]


def load_pairs(data_root: str | Path, split: str = "train", limit: int | None = None) -> PairTensors:
    name = "toyworld_pairs" if split == "train" else "toyworld_pairs_test"
    urls = DataManager.get(name).shard_urls(data_root)
    images, captions, labels, heldout = [], [], [], []
    for sample in ImageTextPairWebDataset(urls, shuffle_buffer=1, epochs=1, name=name):
        images.append(torch.from_numpy(np.asarray(sample["image"], dtype=np.uint8).copy()).permute(2, 0, 1))
        captions.append(sample["text"])
        meta = sample["meta"] if isinstance(sample["meta"], dict) else json.loads(sample["meta"])
        labels.append(scene_labels(meta))
        heldout.append(bool(meta.get("heldout", False)))
        if limit and len(captions) >= limit:
            break
    return PairTensors(torch.stack(images), captions, torch.tensor(labels), torch.tensor(heldout))
