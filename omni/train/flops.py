"""Training FLOPs of a step, for throughput and MFU: the LLM by formula, the plugins by counting.

The LLM's cost is torchtitan's formula refined for frozen weights: per token, 2N for the forward, 2N for the
gradients of activations (the projectors and dream queries before the LLM always train), 2N times the trainable
fraction of the LLM for weight gradients, and 12·L·d·S for attention scores (forward and backward, full S×S, as
torchtitan counts). N excludes the input embeddings (a lookup). The plugins' costs do not follow a per-token formula
(convolutions, a VAE, a UNet at some resolution), so one seen image (vision tower forward, projector forward and
backward) and one created image (VAE encode, UNet forward and backward into the condition) are run once under
`torch.utils.flop_counter.FlopCounterMode` when training starts. MFU = achieved FLOP/s per device / peak.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from PIL import Image
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

# Dense bf16 peak FLOP/s by device name (vendor datasheets, no sparsity). `training.peak_tflops` overrides.
PEAK_BF16_FLOPS = {"H200": 989.4e12, "H100": 989.4e12, "A100": 312e12, "L40S": 362.05e12, "A10G": 70e12,
                   "A10": 125e12, "L4": 121e12, "RTX 4090": 165.2e12}


def peak_flops(device: torch.device, override_tflops: float | None = None) -> float | None:
    if override_tflops:
        return override_tflops * 1e12
    if device.type != "cuda":
        return None
    name = torch.cuda.get_device_name(device)
    return next((flops for key, flops in PEAK_BF16_FLOPS.items() if key in name), None)


def count_flops(fn) -> int:
    with FlopCounterMode(display=False) as counter:
        fn()
    return counter.get_total_flops()


@dataclass
class StepFlops:
    llm_params: int  # without the input embeddings
    llm_trainable_fraction: float
    layers: int
    hidden: int
    seen_image_flops: float = 0.0
    created_image_flops: float = 0.0

    def llm_per_token(self, seq_len: int) -> float:
        return 2 * self.llm_params * (2 + self.llm_trainable_fraction) + 12 * self.layers * self.hidden * seq_len

    def step(self, tokens: float, seq_len: int, seen_images: float, created_images: float) -> float:
        return (tokens * self.llm_per_token(seq_len) + seen_images * self.seen_image_flops
                + created_images * self.created_image_flops)


def _blank(size: int = 64) -> list[Image.Image]:
    return [Image.new("RGB", (size, size), (127, 127, 127))]


def measure(model: nn.Module) -> StepFlops:
    """Count an MLLM's per-image plugin FLOPs on its unsharded modules; RNG states and gradients are left as found."""
    llm = model.llm
    embeddings = {id(p) for p in llm.get_input_embeddings().parameters()}
    params = [p for p in llm.parameters() if id(p) not in embeddings]
    total = sum(p.numel() for p in params)
    trainable = sum(p.numel() for p in params if p.requires_grad)
    config = llm.config
    flops = StepFlops(total, trainable / max(total, 1), config.num_hidden_layers, config.hidden_size)
    device = next(model.parameters()).device
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        encoder = model.vision_encoder
        if encoder is not None:
            views = {key: value.to(device) for key, value in encoder.preprocess(_blank()).items()}

            def seen() -> None:
                out = encoder(**views)
                if out.requires_grad:
                    out.float().sum().backward()

            flops.seen_image_flops = count_flops(seen)
        head, queries = model.head, model.queries
        if head is not None and queries is not None:
            pixels = head.preprocess(_blank(head.resolution)).to(device)
            hidden = torch.zeros(1, queries.num_queries, config.hidden_size, device=device, requires_grad=True)
            flops.created_image_flops = count_flops(lambda: head(hidden, pixels).backward())
    for parameter in model.parameters():
        parameter.grad = None
    return flops
