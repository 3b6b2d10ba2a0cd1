"""Toy-world metrics: attributes read back from generated text, and a toy FID whose features come from the toy
CLIP image tower (torchmetrics' FID with a custom feature extractor)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from omni.data.toyworld.world import COLORS, POSITIONS, SHAPES, SIZES
from omni.utils.logging import quiet_transformers

ATTRIBUTE_NAMES = ("color", "shape", "size", "position")
_POSITION_PATTERNS = sorted(POSITIONS, key=len, reverse=True)  # "top left" before "top" and "left"


def parse_attributes(text: str) -> dict[str, str | None]:
    """The first colour, shape and size word and the position phrase in `text` (None where absent)."""
    lowered = text.lower()
    found: dict[str, str | None] = {}
    for name, words in (("color", COLORS), ("shape", SHAPES), ("size", SIZES)):
        hits = [(m.start(), w) for w in words for m in [re.search(rf"\b{w}\b", lowered)] if m]
        found[name] = min(hits)[1] if hits else None
    position = None
    for phrase in _POSITION_PATTERNS:
        if re.search(rf"\b(at the|in the|to the) {phrase}\b", lowered):
            position = phrase
            break
    found["position"] = position
    return found


def attribute_scores(predicted: list[dict[str, Any]], truth: list[dict[str, Any]]) -> dict[str, float]:
    """Per-attribute accuracy and the share with all four right."""
    if not truth:
        return {}
    correct = torch.tensor([[p.get(a) == t[a] for a in ATTRIBUTE_NAMES] for p, t in zip(predicted, truth)])
    scores = {a: correct[:, i].float().mean().item() for i, a in enumerate(ATTRIBUTE_NAMES)}
    scores["all"] = correct.all(-1).float().mean().item()
    return scores


def normalize_answer(text: str) -> str:
    return re.sub(r"[^a-z ]", "", text.lower()).strip()


class CLIPImageFeatures(nn.Module):
    """Images (float in [0, 1], any size) → the toy CLIP vision tower's pooled features."""

    def __init__(self, clip_dir: str | Path):
        super().__init__()
        from transformers import CLIPVisionModel

        from omni.models.plugins.clip_vision import OPENAI_CLIP_MEAN, OPENAI_CLIP_STD

        with quiet_transformers():
            self.model = CLIPVisionModel.from_pretrained(str(clip_dir)).eval()
        self.size = self.model.config.image_size
        self.num_features = self.model.config.hidden_size
        self.register_buffer("mean", torch.tensor(OPENAI_CLIP_MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(OPENAI_CLIP_STD).view(1, 3, 1, 1))

    @torch.no_grad()
    def forward(self, images: torch.Tensor) -> torch.Tensor:
        images = images.float()
        if images.shape[-1] != self.size:
            images = F.interpolate(images, size=(self.size, self.size), mode="bicubic", align_corners=False).clamp(0, 1)
        return self.model(pixel_values=(images - self.mean) / self.std).pooler_output


def toy_fid(clip_dir: str | Path, real: torch.Tensor, fake: torch.Tensor) -> float:
    """FID between two sets of images (float [0, 1], [N, 3, H, W]) in toy-CLIP feature space."""
    from torchmetrics.image.fid import FrechetInceptionDistance

    metric = FrechetInceptionDistance(feature=CLIPImageFeatures(clip_dir), normalize=True)
    for start in range(0, len(real), 128):
        metric.update(real[start:start + 128], real=True)
    for start in range(0, len(fake), 128):
        metric.update(fake[start:start + 128], real=False)
    return float(metric.compute())
