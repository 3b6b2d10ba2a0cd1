"""Preference optimisation (DPO and its variants) for any Omni model: a batch of (image(s), prompt, chosen, rejected)
pairs trains the model to prefer the chosen answer over the rejected one by more than a frozen reference does.

DPO (Rafailov et al. 2023): with π the model, π_ref the reference and r(y) = β·(log π(y|x) − log π_ref(y|x)), the loss
is −log σ(r(chosen) − r(rejected)). Variants (`loss_type`): "sigmoid" (DPO; `label_smoothing` ε gives conservative
DPO, −(1−ε)·log σ(βh) − ε·log σ(−βh)), "robust" (rDPO, Chowdhury et al. 2024: the same terms with +ε, divided by
1−2ε, unbiased under label noise ε), "hinge" (SLiC: max(0, 1 − βh)) and "ipo" (Azar et al. 2023: (h − 1/(2β))², on
per-token average log-probabilities, as its authors and trl compute it), h being the log-ratio difference.
`sft_weight` α adds α × the chosen answer's negative log-likelihood per token (RPO, Pang et al. 2024; trl's
`rpo_alpha`): DPO alone only widens the margin, and the log-probabilities of tokens both answers share (their end of
sequence among them) cancel out of it, so it may lower the chosen answer too until the model no longer stops
(measured on the toy xGen-MM, docs/xgen_mm.md).

The reference is the model as it was when the stage started: with LoRA on the LLM it is the same model with its
adapters switched off (no copy: xGen-MM's DPO is a LoRA stage), otherwise a frozen copy kept outside the module
tree (`attach_reference`: not trained, not sharded, not saved); log-probabilities precomputed once may instead come
with the batch (`reference_chosen_logps`, `reference_rejected_logps`).

A pair's chosen and rejected answers run as one batch of 2B rows (chosen first), its images encoded for both.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from omni.constants import IGNORE_INDEX, REFERENCE_KEYS

LOSS_TYPES = ("sigmoid", "robust", "hinge", "ipo")
__all__ = ["LOSS_TYPES", "REFERENCE_KEYS", "PreferenceSettings", "adapters_disabled", "answer_logprobs", "answer_tokens",
           "attach_reference", "preference_losses", "reference_model", "stack_pairs"]


@dataclass(frozen=True)
class PreferenceSettings:
    beta: float = 0.1
    loss_type: str = "sigmoid"
    label_smoothing: float = 0.0
    sft_weight: float = 0.0

    def __post_init__(self) -> None:
        if self.loss_type not in LOSS_TYPES:
            raise ValueError(f"unknown preference loss_type {self.loss_type!r}: choose from {LOSS_TYPES}")
        if self.beta <= 0:
            raise ValueError(f"preference beta must be positive, got {self.beta}")
        if not 0 <= self.label_smoothing < 0.5:
            raise ValueError(f"label_smoothing is a label-noise rate in [0, 0.5), got {self.label_smoothing}")
        if self.sft_weight < 0:
            raise ValueError(f"preference sft_weight must be non-negative, got {self.sft_weight}")
        if self.label_smoothing and self.loss_type not in ("sigmoid", "robust"):
            raise ValueError(f"label_smoothing applies to the sigmoid and robust losses, not {self.loss_type!r}")

    @classmethod
    def from_config(cls, settings: dict[str, Any] | None) -> PreferenceSettings:
        unknown = sorted(set(settings or {}) - set(asdict(cls())))
        if unknown:
            raise ValueError(f"unknown preference settings {unknown}: they are {sorted(asdict(cls()))}")
        return cls(**(settings or {}))


def preference_losses(chosen: torch.Tensor, rejected: torch.Tensor, reference_chosen: torch.Tensor,
                      reference_rejected: torch.Tensor, settings: PreferenceSettings) -> tuple[torch.Tensor, ...]:
    """Per-pair losses and the implicit rewards β·(log π − log π_ref) of the chosen and rejected answers."""
    beta, smoothing = settings.beta, settings.label_smoothing
    h = (chosen - reference_chosen) - (rejected - reference_rejected)
    if settings.loss_type == "sigmoid":
        losses = -(1 - smoothing) * F.logsigmoid(beta * h) - smoothing * F.logsigmoid(-beta * h)
    elif settings.loss_type == "robust":
        losses = (-(1 - smoothing) * F.logsigmoid(beta * h) + smoothing * F.logsigmoid(-beta * h)) / (1 - 2 * smoothing)
    elif settings.loss_type == "hinge":
        losses = torch.relu(1 - beta * h)
    else:  # ipo
        losses = (h - 1 / (2 * beta)) ** 2
    return losses, beta * (chosen - reference_chosen).detach(), beta * (rejected - reference_rejected).detach()


def answer_tokens(labels: torch.Tensor) -> torch.Tensor:
    """How many tokens of each row's answer are labelled (what `answer_logprobs` sums over)."""
    return (labels[:, 1:] != IGNORE_INDEX).sum(-1)


def answer_logprobs(logits: torch.Tensor, labels: torch.Tensor, average: bool = False) -> torch.Tensor:
    """log π(answer | prompt) per row: the labelled tokens' log-probabilities summed (or averaged per token)."""
    targets = labels[:, 1:]
    mask = targets != IGNORE_INDEX
    logprobs = torch.gather(logits[:, :-1].float().log_softmax(-1), 2, targets.clamp(min=0).unsqueeze(-1)).squeeze(-1)
    total = (logprobs * mask).sum(-1)
    return total / mask.sum(-1).clamp(min=1) if average else total


def stack_pairs(input_ids: torch.Tensor, labels: torch.Tensor, attention_mask: torch.Tensor | None,
                rejected_input_ids: torch.Tensor, rejected_labels: torch.Tensor,
                rejected_attention_mask: torch.Tensor | None, pad_token_id: int) -> tuple[torch.Tensor, ...]:
    """Chosen rows then rejected rows, right-padded to one length."""
    length = max(input_ids.shape[1], rejected_input_ids.shape[1])

    def pad(tensor: torch.Tensor, value: int) -> torch.Tensor:
        return F.pad(tensor, (0, length - tensor.shape[1]), value=value)

    masks = [m if m is not None else torch.ones_like(i) for m, i in ((attention_mask, input_ids),
                                                                      (rejected_attention_mask, rejected_input_ids))]
    return (torch.cat([pad(input_ids, pad_token_id), pad(rejected_input_ids, pad_token_id)]),
            torch.cat([pad(labels, IGNORE_INDEX), pad(rejected_labels, IGNORE_INDEX)]),
            torch.cat([pad(masks[0], 0), pad(masks[1], 0)]))


@contextlib.contextmanager
def adapters_disabled(module: nn.Module) -> Iterator[None]:
    """The module without its LoRA adapters (peft layers switched off, then back on)."""
    from peft.tuners.tuners_utils import BaseTunerLayer

    layers = [m for m in module.modules() if isinstance(m, BaseTunerLayer)]
    for layer in layers:
        layer.enable_adapters(False)
    try:
        yield
    finally:
        for layer in layers:
            layer.enable_adapters(True)


def attach_reference(model: nn.Module) -> nn.Module:
    """Keep a frozen copy of `model` as its preference reference, outside its module tree (so it is not trained,
    sharded, checkpointed or exported). A model with LoRA adapters needs none: its reference is itself without them."""
    if getattr(model.config, "lora", None):
        return model
    reference = copy.deepcopy(model).eval().requires_grad_(False)
    object.__setattr__(model, "_preference_reference", reference)
    return model


def reference_model(model: nn.Module) -> nn.Module | None:
    return model.__dict__.get("_preference_reference")
