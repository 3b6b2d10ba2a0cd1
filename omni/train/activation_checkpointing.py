"""Activation checkpointing policies for the LLM's decoder blocks (transformers' `activation_checkpointing_enable`).

Full checkpointing recomputes each block's forward in the backward pass: about a third more compute for memory that
no longer grows with depth. When memory is not the limit, that third is waste, so, as torchtitan does, a run can
trade some of it back: `every_n_layers=N` checkpoints one block in N (the others keep their activations), and
`policy="save_matmuls"` is torchtitan's selective op checkpointing, which keeps the outputs of the matrix products
and attention (the expensive ops) and recomputes only the cheap pointwise ones. `offload` keeps what the recompute
needs in pinned host memory instead (transformers' offload). Every policy computes the same gradients.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import torch
from torch.utils.checkpoint import CheckpointPolicy, create_selective_checkpoint_contexts

POLICIES = ("full", "save_matmuls")
# what torchtitan's selective checkpointing saves: matrix products and attention
_SAVED_OPS = {torch.ops.aten.mm.default, torch.ops.aten.addmm.default, torch.ops.aten.bmm.default,
              torch.ops.aten._scaled_dot_product_flash_attention.default,
              torch.ops.aten._scaled_dot_product_efficient_attention.default,
              torch.ops.aten._scaled_dot_product_flash_attention_for_cpu.default}


def _save_matmuls(ctx: Any, op: Any, *args: Any, **kwargs: Any) -> CheckpointPolicy:
    return CheckpointPolicy.MUST_SAVE if op in _SAVED_OPS else CheckpointPolicy.PREFER_RECOMPUTE


def enable(llm: torch.nn.Module, policy: str = "full", every_n_layers: int = 1, offload: bool = False) -> None:
    if policy not in POLICIES:
        raise ValueError(f"unknown activation checkpointing policy {policy!r}: choose from {list(POLICIES)}")
    if every_n_layers < 1:
        raise ValueError(f"checkpoint_every_n_layers must be at least 1, got {every_n_layers}")
    kwargs: dict[str, Any] = {"use_reentrant": False}
    if policy == "save_matmuls":
        kwargs["context_fn"] = partial(create_selective_checkpoint_contexts, _save_matmuls)
    llm.activation_checkpointing_enable(kwargs, every_n_layers=every_n_layers, offload=offload)
