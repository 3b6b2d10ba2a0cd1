"""Toy attribute classifier: reads colour, shape, size and position off an image, to judge generated images.

A small CNN with one head per attribute; saved and loaded with huggingface_hub's `PyTorchModelHubMixin`
(safetensors + config.json), like any hub model.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from huggingface_hub import PyTorchModelHubMixin
from torch import nn

from omni.zoo.toy.common import fit, write_result
from omni.zoo.toy.data import ATTRIBUTES, PairTensors

SCALES = {"full": {"width": 32, "steps": 500, "batch": 64}, "tiny": {"width": 8, "steps": 10, "batch": 16}}


class AttributeClassifier(nn.Module, PyTorchModelHubMixin):
    def __init__(self, width: int = 32, classes: dict[str, int] | None = None):
        super().__init__()
        self.classes = classes or {name: len(values) for name, values in ATTRIBUTES.items()}
        layers, channels = [], 3
        for out_channels in (width, 2 * width, 2 * width, 4 * width):
            layers += [nn.Conv2d(channels, out_channels, 3, padding=1), nn.GroupNorm(8 if out_channels % 8 == 0 else 1, out_channels),
                       nn.SiLU(), nn.MaxPool2d(2)]
            channels = out_channels
        self.features = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(4), nn.Flatten())
        self.heads = nn.ModuleDict({name: nn.Linear(channels * 16, n) for name, n in self.classes.items()})

    def forward(self, pixels: torch.Tensor) -> dict[str, torch.Tensor]:
        """Pixels in [-1, 1] → logits per attribute."""
        features = self.features(pixels)
        return {name: head(features) for name, head in self.heads.items()}

    @torch.no_grad()
    def predict(self, pixels: torch.Tensor) -> torch.Tensor:
        """[N, 4] predicted indices (colour, shape, size, position)."""
        self.eval()
        logits = self(pixels)
        return torch.stack([logits[name].argmax(-1) for name in self.classes], dim=-1)


def attribute_accuracy(predicted: torch.Tensor, labels: torch.Tensor) -> dict[str, float]:
    correct = predicted == labels
    result = {name: correct[:, i].float().mean().item() for i, name in enumerate(ATTRIBUTES)}
    result["all"] = correct.all(-1).float().mean().item()
    return result


def train_classifier(train: PairTensors, test: PairTensors, out: str | Path, scale: str = "full", seed: int = 0,
                     progress: bool = True, position: int = 0) -> dict[str, Any]:
    started, out = time.time(), Path(out)
    torch.manual_seed(seed)
    s = SCALES[scale]
    model = AttributeClassifier(s["width"])

    def step(index: torch.Tensor) -> torch.Tensor:
        logits = model(train.pixels(index))
        return sum(F.cross_entropy(logits[name], train.labels[index, i]) for i, name in enumerate(ATTRIBUTES))

    model.train()
    losses = fit("classifier", list(model.parameters()), step, len(train), s["batch"], s["steps"], 2e-3, seed, progress, position)
    predicted = torch.cat([model.predict(test.pixels(torch.arange(i, min(i + 256, len(test))))) for i in range(0, len(test), 256)])
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    return write_result(out, attribute_accuracy(predicted, test.labels), started, losses)
