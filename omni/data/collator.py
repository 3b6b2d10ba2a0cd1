"""Batch samples: right-pad token sequences (or pack them, `omni.data.packing`), concatenate a variable number of
images per sample, cap the images.

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

from omni.constants import IGNORE_INDEX, REFERENCE_KEYS
from omni.data.datasets.stream import POSITION_KEY
from omni.data.packing import pack, plan_rows

logger = logging.getLogger(__name__)
# one row per vision-tower forward (an image, or a view of an any-resolution image) or per created image: what the
# cap counts
IMAGE_KEYS = ("pixel_values", "dream_pixel_values")
# concatenated like the images, row for row, but not counted again
PER_IMAGE_KEYS = (*IMAGE_KEYS, "image_patch_mask")


def _images(sample: dict[str, Any]) -> int:
    return sum(len(sample[key]) for key in IMAGE_KEYS if sample.get(key) is not None)


class DataCollator:
    """`pack_max_tokens`: pack the micro-batch's samples into rows of at most that many tokens (`max_images_per_row`
    images) instead of padding each to the longest; `pack_to_longest`: rows no wider than the batch's longest sample
    either. Preference pairs are never packed (chosen and rejected must stay row for row)."""

    def __init__(self, pad_token_id: int, max_images_per_batch: int | None = None, pack_max_tokens: int | None = None,
                 max_images_per_row: int | None = None, pack_to_longest: bool = False):
        self.pad_token_id, self.max_images_per_batch = pad_token_id, max_images_per_batch
        self.pack_max_tokens, self.max_images_per_row = pack_max_tokens, max_images_per_row
        self.pack_to_longest = pack_to_longest
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
        pairs = sum("rejected_input_ids" in s for s in samples)
        if pairs not in (0, len(samples)):
            raise ValueError(f"a batch mixes {pairs} preference pairs with {len(samples) - pairs} other samples: a "
                             "preference stage trains on preference datasets only")
        if self.pack_max_tokens and not pairs:
            lengths = [len(s["input_ids"]) for s in samples]
            budget = min(self.pack_max_tokens, max(lengths)) if self.pack_to_longest else self.pack_max_tokens
            rows = plan_rows(lengths, budget, [_images(s) for s in samples], self.max_images_per_row)
            batch = pack(samples, rows, self.pad_token_id)
            samples = [samples[i] for row in rows for i in row]  # images follow their slots' row-major order
        else:
            batch = self.pad(samples, "")
        if pairs:  # preference pairs: the rejected answers padded the same way
            batch.update(self.pad(samples, "rejected_"))
            for key in REFERENCE_KEYS:
                if samples[0].get(key) is not None:
                    batch[key] = torch.tensor([float(s[key]) for s in samples])
        for key in PER_IMAGE_KEYS:
            tensors = [s[key] for s in samples if s.get(key) is not None]
            if tensors:
                batch[key] = torch.cat(tensors)
        if position is not None:
            batch["data_position"] = position
        return batch

    def pad(self, samples: list[dict[str, Any]], prefix: str) -> dict[str, torch.Tensor]:
        """`{prefix}input_ids`, `{prefix}labels` right-padded into a batch, with their `{prefix}attention_mask`."""
        length = max(len(s[f"{prefix}input_ids"]) for s in samples)
        input_ids = torch.full((len(samples), length), self.pad_token_id, dtype=torch.long)
        labels = torch.full((len(samples), length), IGNORE_INDEX, dtype=torch.long)
        attention_mask = torch.zeros((len(samples), length), dtype=torch.long)
        for row, sample in enumerate(samples):
            n = len(sample[f"{prefix}input_ids"])
            input_ids[row, :n], labels[row, :n] = sample[f"{prefix}input_ids"], sample[f"{prefix}labels"]
            attention_mask[row, :n] = 1
        return {f"{prefix}input_ids": input_ids, f"{prefix}labels": labels, f"{prefix}attention_mask": attention_mask}
