"""What the toy-zoo trainers share: scales, a seeded batch sampler, a training loop with a progress bar, results."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import torch
from tqdm import tqdm


def batches(n: int, batch_size: int, steps: int, seed: int, lengths: torch.Tensor | None = None,
            group: int = 64) -> Iterator[torch.Tensor]:
    """`steps` index batches over `n` items: seeded epochs of random permutations.

    With `lengths`, each run of `group` batches is sorted by length before it is cut into batches (then the batches
    are shuffled): batches of like-length documents, padded to little more than their own length. The toy LLM's
    corpus mixes 10-token captions with 60-token chats; random batches were padded to 2.4x the mean length."""
    generator = torch.Generator().manual_seed(seed)

    def epoch() -> list[torch.Tensor]:
        order = torch.randperm(n, generator=generator)
        if lengths is None:
            return [order[i:i + batch_size] for i in range(0, n - batch_size + 1, batch_size)]
        cut = []
        for start in range(0, n - batch_size + 1, batch_size * group):
            chunk = order[start:start + batch_size * group]
            chunk = chunk[torch.argsort(lengths[chunk], stable=True)]
            pieces = [chunk[i:i + batch_size] for i in range(0, len(chunk) - batch_size + 1, batch_size)]
            cut += [pieces[i] for i in torch.randperm(len(pieces), generator=generator)]
        return cut

    produced = 0
    while produced < steps:
        for batch in epoch()[: steps - produced]:
            yield batch
            produced += 1


def fit(name: str, parameters: list[torch.nn.Parameter], step_fn: Callable[[torch.Tensor], torch.Tensor], n: int,
        batch_size: int, steps: int, lr: float, seed: int, progress: bool = True, position: int = 0,
        warmup: int = 50, lengths: torch.Tensor | None = None, ema_decay: float | None = None) -> list[float]:
    """AdamW with warmup and cosine decay over `steps` batches; `step_fn(indices)` returns the loss.

    With `ema_decay`, the parameters end as their exponential moving average (diffusers' `EMAModel`): the last
    iterate of a short run depends on its last few batches, the average much less, so seeds land closer together."""
    from diffusers.training_utils import EMAModel
    from transformers import get_cosine_schedule_with_warmup

    optimizer = torch.optim.AdamW(parameters, lr=lr, weight_decay=0.0)
    scheduler = get_cosine_schedule_with_warmup(optimizer, min(warmup, steps // 10), steps)
    ema = EMAModel(parameters, decay=ema_decay) if ema_decay else None
    losses: list[float] = []
    bar = tqdm(total=steps, desc=f"zoo {name}", disable=not progress, position=position, leave=True, dynamic_ncols=True)
    for index in batches(n, batch_size, steps, seed, lengths):
        loss = step_fn(index)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(parameters, 1.0)
        optimizer.step()
        scheduler.step()
        if ema:
            ema.step(parameters)
        losses.append(loss.item())
        bar.set_postfix(loss=f"{sum(losses[-20:]) / len(losses[-20:]):.4f}")
        bar.update(1)
    bar.close()
    if ema:
        ema.copy_to(parameters)
    return losses


def write_result(out: Path, metrics: dict[str, Any], started: float, losses: list[float]) -> dict[str, Any]:
    result = {**metrics, "seconds": round(time.time() - started, 1), "steps": len(losses),
              "loss_first": losses[0] if losses else None, "loss_last": sum(losses[-20:]) / max(1, len(losses[-20:]))}
    (out / "zoo_result.json").write_text(json.dumps(result, indent=1))
    return result
