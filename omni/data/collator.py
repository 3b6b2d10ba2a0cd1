"""Batch samples: right-pad token sequences, concatenate a variable number of images per sample."""

from __future__ import annotations

from typing import Any

import torch

from omni.constants import IGNORE_INDEX


class DataCollator:
    def __init__(self, pad_token_id: int):
        self.pad_token_id = pad_token_id

    def __call__(self, samples: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
        length = max(len(s["input_ids"]) for s in samples)
        input_ids = torch.full((len(samples), length), self.pad_token_id, dtype=torch.long)
        labels = torch.full((len(samples), length), IGNORE_INDEX, dtype=torch.long)
        attention_mask = torch.zeros((len(samples), length), dtype=torch.long)
        for row, sample in enumerate(samples):
            n = len(sample["input_ids"])
            input_ids[row, :n], labels[row, :n], attention_mask[row, :n] = sample["input_ids"], sample["labels"], 1
        batch = {"input_ids": input_ids, "labels": labels, "attention_mask": attention_mask}
        for key in ("pixel_values", "dream_pixel_values"):
            tensors = [s[key] for s in samples if s.get(key) is not None]
            if tensors:
                batch[key] = torch.cat(tensors)
        return batch
