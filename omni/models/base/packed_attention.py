"""Packed-row attention for a CPU: SDPA over each sample's own span of the row, without a dense mask.

On a GPU, flash-attention's varlen kernel (or flex attention's block mask) skips the blocks where one packed sample
would attend to another. On a CPU there is neither (flex attention has no CPU backward), and transformers' fallback for
packed rows is a dense block-diagonal boolean mask: SDPA then computes every sample against every other (a row of k
like-length samples costs k times the attention it needs), builds and reads a (T, T) mask per row and layer, and
leaves the fused causal kernel for the masked one: measured on the toy stage II and III mixtures, packing was slower
than padding (0.84-0.91x, docs/benchmarks.md). This attention runs, for each sample of each row, causal SDPA on that
sample's queries and keys alone: the same result, at the cost of one small kernel call per sample.

Samples are found where `position_ids` restart at 0, as `omni.data.packing` writes them (padding at a row's end is a
span of its own). Anything else (a padding mask, a KV cache, a decoding step) goes to transformers' SDPA unchanged,
with SDPA's own mask, so a model switched to this attention for a packed run still evaluates padded batches right.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from transformers import AttentionInterface
from transformers.integrations.sdpa_attention import repeat_kv, sdpa_attention_forward
from transformers.masking_utils import AttentionMaskInterface, sdpa_mask

SEGMENT_ATTENTION = "sdpa_segments"


def sample_spans(position_ids: torch.Tensor) -> list[list[tuple[int, int]]]:
    """Per row, the (start, end) of each sample: a sample starts where its positions restart at 0."""
    spans = []
    for row in position_ids.tolist():
        starts = [i for i, position in enumerate(row) if position == 0 or i == 0]
        spans.append(list(zip(starts, starts[1:] + [len(row)], strict=True)))
    return spans


def segment_attention_forward(module: torch.nn.Module, query: torch.Tensor, key: torch.Tensor, value: torch.Tensor,
                              attention_mask: torch.Tensor | None, dropout: float = 0.0, scaling: float | None = None,
                              position_ids: torch.Tensor | None = None, **kwargs: Any) -> tuple[torch.Tensor, None]:
    """transformers' attention-function contract: query (B, H, T, D), key and value (B, H_kv, T, D) in, the output
    (B, T, H, D) and no weights out."""
    length = query.shape[2]
    if position_ids is None or attention_mask is not None or key.shape[2] != length or length == 1:
        return sdpa_attention_forward(module, query, key, value, attention_mask, dropout=dropout, scaling=scaling,
                                      position_ids=position_ids, **kwargs)
    if kwargs.get("softcap") is not None:  # dropping it would change the model; plain SDPA would mix the samples
        raise NotImplementedError(f"{SEGMENT_ATTENTION} attention (packed rows on a CPU) has no softcap: set "
                                  "model.config.attn_implementation='eager' to pack through a dense mask instead")
    groups = getattr(module, "num_key_value_groups", 1)
    key, value = repeat_kv(key, groups), repeat_kv(value, groups)
    if position_ids.shape[0] != query.shape[0]:
        position_ids = position_ids.expand(query.shape[0], -1)
    spans = sample_spans(position_ids)
    window = kwargs.get("sliding_window")
    if window is not None and any(e - s > window for row in spans for s, e in row):
        raise NotImplementedError(f"{SEGMENT_ATTENTION} attention (packed rows on a CPU) has no sliding window, and a "
                                  f"sample is longer than this model's ({window}): set "
                                  "model.config.attn_implementation='eager' to pack through a dense mask instead")
    dropout = dropout if module.training else 0.0
    rows = []
    # unbind and split, not indexing: their backward stacks and concatenates the pieces' gradients once, where a
    # slice's backward zero-fills a whole-row gradient per sample and adds into it (measured: ~6% of a toy SFT step)
    for row_spans, *row in zip(spans, query.unbind(0), key.unbind(0), value.unbind(0), strict=True):
        sizes = [e - s for s, e in row_spans]
        pieces = zip(*(tensor.split(sizes, dim=1) for tensor in row), strict=True)
        rows.append(torch.cat([F.scaled_dot_product_attention(q, k, v, dropout_p=dropout, scale=scaling,
                                                              is_causal=q.shape[1] > 1) for q, k, v in pieces], dim=1))
    return torch.stack(rows).transpose(1, 2).contiguous(), None


def segment_attention_mask(*args: Any, attention_mask: torch.Tensor | None = None, **kwargs: Any) -> torch.Tensor | None:
    """No (B, 1, T, T) mask for a packed row (the spans come from the positions); SDPA's mask for a padded batch."""
    if attention_mask is None:
        return None
    return sdpa_mask(*args, attention_mask=attention_mask, **kwargs)


AttentionInterface.register(SEGMENT_ATTENTION, segment_attention_forward)
AttentionMaskInterface.register(SEGMENT_ATTENTION, segment_attention_mask)
