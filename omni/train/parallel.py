"""How a model is spread over processes, as small strategy classes (torchtitan/Prismatic manner): the trainer asks
its strategy to wrap the plain model and, at the end, for the plain model to export; it never tests which one it has.

- `SingleProcess`: one process, the model as it is.
- `FSDP2`: PyTorch `fully_shard` per LLM decoder layer plus the trainable rest (`omni.train.fsdp.apply_fsdp`); frozen
  plugin backbones stay unsharded. Sharding is in place, so the wrapped model is the plain one.
- `DDP`: `DistributedDataParallel` with unused-parameter detection (a batch may leave a plugin idle).
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import torch
from torch import nn

from omni.train.fsdp import apply_fsdp


class ParallelStrategy(ABC):
    name: str

    @abstractmethod
    def wrap(self, model: nn.Module, device: torch.device) -> nn.Module:
        """The module the training step calls (may be `model` itself, changed in place)."""

    def unwrap(self, wrapped: nn.Module) -> nn.Module:
        """The plain model inside `wrapped` (what is exported)."""
        return wrapped


class SingleProcess(ParallelStrategy):
    name = "single"

    def wrap(self, model: nn.Module, device: torch.device) -> nn.Module:
        return model


class FSDP2(ParallelStrategy):
    name = "fsdp2"

    def __init__(self, bf16: bool = False, reduce_dtype: str = "float32"):
        self.bf16, self.reduce_dtype = bf16, reduce_dtype

    def wrap(self, model: nn.Module, device: torch.device) -> nn.Module:
        return apply_fsdp(model, device, bf16=self.bf16, reduce_dtype=self.reduce_dtype)


class DDP(ParallelStrategy):
    name = "ddp"

    def wrap(self, model: nn.Module, device: torch.device) -> nn.Module:
        return nn.parallel.DistributedDataParallel(model, find_unused_parameters=True)

    def unwrap(self, wrapped: nn.Module) -> nn.Module:
        return wrapped.module


def choose_strategy(world_size: int, fsdp: bool = True, bf16: bool = False,
                    reduce_dtype: str = "float32") -> ParallelStrategy:
    """`training.fsdp` picks FSDP2 (default) or DDP when there is more than one process."""
    if world_size == 1:
        return SingleProcess()
    return FSDP2(bf16, reduce_dtype) if fsdp else DDP()
