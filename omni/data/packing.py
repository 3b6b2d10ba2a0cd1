"""Packing: several samples in one row of the batch, each attending only to itself.

A padded batch is as wide as its longest sample, so a stage that mixes 100-token captions with 900-token stories
spends most of its attention and MLP work on padding. Packing fills rows instead: samples go, whole (an image block
or a dream block is never split; a sample is never cut), into rows up to a token budget (and optionally an image
budget per row), balanced longest first into as few rows as the budget allows, so the micro-batch keeps exactly its
samples (the data positions, the loss normalisers and exact resume do not change) in fewer, fuller rows.

Each sample's positions restart at 0 (RoPE sees what it would see alone), and the label of each sample's first token
is ignored (it would be predicted from the previous sample's last token). Isolation comes from the positions: given
`position_ids` and no attention mask, the samples are found where positions restart. Packed training picks the
attention for the device (`omni.models.base.llm.attention_for_packing`): on a CPU SDPA over each sample's span in
turn (`omni.models.base.packed_attention`), with flash-attention 2 the varlen kernel over the same boundaries
(`find_packed_sequence_indices`, `_flash_attention_forward`), with flex attention a block mask; plain SDPA or eager
attention get transformers' dense block-diagonal causal mask. Only without a KV cache: the decoder must run with
`use_cache=False`, as the training forward does. Padding at the end of a row is a segment of its own that no real
token attends to. The model (`OmniForCausalLM.forward`) sees `position_ids` in the batch and passes no attention
mask to the LLM; the batch's `attention_mask` still marks the real tokens, for counting.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch

from omni.constants import IGNORE_INDEX


def plan_rows(lengths: Sequence[int], max_tokens: int, images: Sequence[int] | None = None,
              max_images: int | None = None) -> list[list[int]]:
    """Sample indices per row: as few rows as the token budget allows (⌈total / max_tokens⌉ to start with), filled
    longest sample first into the currently shortest row it fits in (under `max_tokens`, and `max_images` per row),
    a new row only when it fits in none. Balanced rows keep the batch's width, the longest row, close to the mean:
    little padding even for a micro-batch of a few samples. A sample longer than the budget gets a row of its own.
    Deterministic: ties keep the samples' order; each row lists its samples in their original order, rows by their
    first sample."""
    images = images if images is not None else [0] * len(lengths)
    image_budget = float("inf") if max_images is None else max_images
    count = max(1, math.ceil(sum(lengths) / max_tokens))
    rows: list[list[int]] = [[] for _ in range(count)]
    tokens, pictures = [0] * count, [0] * count
    for index in sorted(range(len(lengths)), key=lambda i: -lengths[i]):
        fits = [r for r in range(len(rows)) if tokens[r] + lengths[index] <= max_tokens
                and pictures[r] + images[index] <= image_budget]
        if not fits and any(not row for row in rows):
            fits = [next(r for r, row in enumerate(rows) if not row)]  # over the budget alone: an empty row takes it
        if not fits:
            rows.append([])
            tokens.append(0)
            pictures.append(0)
            fits = [len(rows) - 1]
        row = min(fits, key=lambda r: (tokens[r], r))
        rows[row].append(index)
        tokens[row] += lengths[index]
        pictures[row] += images[index]
    return sorted((sorted(row) for row in rows if row), key=lambda row: row[0])


def pack(samples: Sequence[dict[str, Any]], rows: list[list[int]], pad_token_id: int) -> dict[str, torch.Tensor]:
    """`input_ids`, `labels`, `position_ids` and `attention_mask` (real tokens) of the packed rows."""
    width = max(sum(len(samples[i]["input_ids"]) for i in row) for row in rows)
    input_ids = torch.full((len(rows), width), pad_token_id, dtype=torch.long)
    labels = torch.full((len(rows), width), IGNORE_INDEX, dtype=torch.long)
    position_ids = torch.zeros((len(rows), width), dtype=torch.long)
    attention_mask = torch.zeros((len(rows), width), dtype=torch.long)
    for r, row in enumerate(rows):
        offset = 0
        for index in row:
            ids, labelled = torch.as_tensor(samples[index]["input_ids"]), torch.as_tensor(samples[index]["labels"])
            n = len(ids)
            input_ids[r, offset:offset + n], labels[r, offset:offset + n] = ids, labelled
            labels[r, offset] = IGNORE_INDEX  # nothing before it in its own sample predicts it
            position_ids[r, offset:offset + n] = torch.arange(n)
            attention_mask[r, offset:offset + n] = 1
            offset += n
        position_ids[r, offset:] = torch.arange(width - offset)  # the padding: a segment of its own
    return {"input_ids": input_ids, "labels": labels, "position_ids": position_ids, "attention_mask": attention_mask}


def padding_fraction(attention_mask: torch.Tensor) -> float:
    """Pad tokens / all tokens of a batch."""
    return 1.0 - float(attention_mask.sum()) / max(attention_mask.numel(), 1)
