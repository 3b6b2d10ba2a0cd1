"""Batch samples: right-pad token sequences, concatenate a variable number of images per sample, cap the images.

A long interleaved document can carry many images, and every image costs a vision-tower forward (seen) or a VAE
encode plus a UNet forward and backward (created); `max_images_per_batch` bounds that cost per step. Samples that
would exceed the cap are left out of the batch (never cut: a sample's image blocks must match its images), the
first sample is always kept, and what was left out is counted. The batch carries `data_position`, the stream's
position after its last sample, which the trainer keeps to resume exactly there.
"""

from __future__ import annotations

import logging
from typing import Any

import torch

from omni.constants import IGNORE_INDEX
from omni.data.datasets.stream import POSITION_KEY

logger = logging.getLogger(__name__)
# one row per vision-tower forward (an image, or a view of an any-resolution image) or per created image: what the
# cap counts
IMAGE_KEYS = ("pixel_values", "dream_pixel_values")
# concatenated like the images, row for row, but not counted again
PER_IMAGE_KEYS = (*IMAGE_KEYS, "image_patch_mask")


def _images(sample: dict[str, Any]) -> int:
    return sum(len(sample[key]) for key in IMAGE_KEYS if sample.get(key) is not None)


class DataCollator:
    def __init__(self, pad_token_id: int, max_images_per_batch: int | None = None):
        self.pad_token_id, self.max_images_per_batch = pad_token_id, max_images_per_batch
        self.dropped_samples = 0

    def cap(self, samples: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if self.max_images_per_batch is None:
            return samples
        kept, images = [], 0
        for sample in samples:
            if kept and images + _images(sample) > self.max_images_per_batch:
                continue
            kept.append(sample)
            images += _images(sample)
        if len(kept) < len(samples):
            self.dropped_samples += len(samples) - len(kept)
            logger.info("image cap %d: left %d sample(s) out of a batch (%d so far)", self.max_images_per_batch,
                        len(samples) - len(kept), self.dropped_samples)
        return kept

    def __call__(self, samples: list[dict[str, Any]]) -> dict[str, Any]:
        # where the stream stands after this batch (its left-out samples count as consumed): the trainer saves it
        position = samples[-1].get(POSITION_KEY)
        samples = self.cap(samples)
        length = max(len(s["input_ids"]) for s in samples)
        input_ids = torch.full((len(samples), length), self.pad_token_id, dtype=torch.long)
        labels = torch.full((len(samples), length), IGNORE_INDEX, dtype=torch.long)
        attention_mask = torch.zeros((len(samples), length), dtype=torch.long)
        for row, sample in enumerate(samples):
            n = len(sample["input_ids"])
            input_ids[row, :n], labels[row, :n], attention_mask[row, :n] = sample["input_ids"], sample["labels"], 1
        batch = {"input_ids": input_ids, "labels": labels, "attention_mask": attention_mask}
        for key in PER_IMAGE_KEYS:
            tensors = [s[key] for s in samples if s.get(key) is not None]
            if tensors:
                batch[key] = torch.cat(tensors)
        if position is not None:
            batch["data_position"] = position
        return batch
