"""Apply PyTorch FSDP2 (`fully_shard`) to an MLLM, torchtitan style: parallelism is applied to a plain model.

Each LLM decoder layer is its own unit (optionally in bf16); the root unit holds the rest of the trainable model;
frozen plugin backbones (CLIP, VAE, UNet) stay out of sharding entirely: they are small next to the LLM, need no
gradients, and their other methods (`vae.encode`) must stay callable outside a sharded forward.
"""

from __future__ import annotations

import torch
import torch.distributed as dist
from torch import nn
from torch.distributed.device_mesh import init_device_mesh
from torch.distributed.fsdp import MixedPrecisionPolicy, fully_shard


def decoder_layers(llm: nn.Module) -> list[nn.Module]:
    """The repeated blocks of a transformers LLM, found by its `_no_split_modules` class names."""
    names = set(getattr(llm, "_no_split_modules", None) or [])
    layers = [m for m in llm.modules() if type(m).__name__ in names]
    if not layers:
        raise ValueError(f"cannot find decoder layers in {type(llm).__name__} (looked for {sorted(names)})")
    return layers


DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


def as_dtype(name: str) -> torch.dtype:
    if name not in DTYPES:
        raise ValueError(f"unknown dtype {name!r}; one of {sorted(DTYPES)}")
    return DTYPES[name]


def cast_frozen(model: nn.Module, dtype: torch.dtype) -> None:
    """Hold the frozen plugin backbones in `dtype`: they take no gradients or optimizer state, so bf16 halves their
    memory and time at no cost to training (the plugins cast their inputs to their own dtype)."""
    from diffusers.utils import logging as diffusers_logging

    level = diffusers_logging.get_verbosity()
    diffusers_logging.set_verbosity_error()  # its "keep these modules in float32" notice lists none for SD's UNet/VAE
    try:
        for module in (model.frozen_modules() if hasattr(model, "frozen_modules") else {}).values():
            module.to(dtype)
    finally:
        diffusers_logging.set_verbosity(level)


def apply_fsdp(model: nn.Module, device: torch.device, bf16: bool = False, reduce_dtype: str = "float32") -> nn.Module:
    mesh = init_device_mesh(device.type, (dist.get_world_size(),))
    layer_policy = (MixedPrecisionPolicy(param_dtype=torch.bfloat16, reduce_dtype=as_dtype(reduce_dtype)) if bf16
                    else MixedPrecisionPolicy())
    for layer in decoder_layers(model.llm):
        fully_shard(layer, mesh=mesh, mp_policy=layer_policy)
    frozen = {p for module in model.frozen_modules().values() for p in module.parameters()}
    # No mixed-precision policy on the root: it would cast pixel inputs to bf16 for the frozen fp32 towers.
    fully_shard(model, mesh=mesh, ignored_params=frozen)
    return model
