"""DreamLLM: the base model plus dream queries, a diffusion head and the VM loss.

What it adds to `OmniForCausalLM`: the `<im_patch>` slots inside `<dream_start> … <dream_end>` are the dream queries'
(not the encoder's); the LLM's hidden states at those slots condition the diffusion head, whose MSE on the target
image is the VM loss. Loss = w_lm · LM + w_vm · VM.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from omni.constants import DREAM_END, DREAM_START, IM_PATCH
from omni.models.base.modeling_omni import OmniForCausalLM, OmniOutput
from omni.models.dreamllm.configuration_dreamllm import DreamLLMConfig
from omni.models.plugins import DreamQueries, HeadPlugin


@dataclass
class DreamLLMOutput(OmniOutput):
    lm_loss: torch.Tensor | None = None
    vm_loss: torch.Tensor | None = None


class DreamLLMForCausalLM(OmniForCausalLM):
    config_class = DreamLLMConfig
    base_model_prefix = "dreamllm"

    @property
    def dream_queries(self) -> DreamQueries | None:
        return self.queries  # type: ignore[return-value]

    @property
    def diffusion_head(self) -> HeadPlugin | None:
        return self.head

    def generator(self, tokenizer: Any) -> Any:
        from omni.models.dreamllm.generation import DreamLLMGenerator

        return DreamLLMGenerator(self, tokenizer)

    def slot_masks(self, input_ids: torch.Tensor) -> dict[str, torch.Tensor]:
        """Image-patch slots outside dream blocks are the encoder's; inside, the dream queries' (both use the
        `<im_patch>` placeholder)."""
        ids = self.config.special_token_ids
        placeholder = input_ids == ids[IM_PATCH]
        depth = torch.cumsum((input_ids == ids[DREAM_START]).int() - (input_ids == ids[DREAM_END]).int(), dim=-1)
        in_dream = depth > 0
        return {"encoder": placeholder & ~in_dream, "queries": placeholder & in_dream}

    def scatter_extra(self, embeds: torch.Tensor, slots: dict[str, torch.Tensor]) -> torch.Tensor:
        dream_mask = slots["queries"]
        if not dream_mask.any():
            return embeds
        queries = self.dream_queries()
        count = int(dream_mask.sum())
        if count % queries.shape[0]:
            raise ValueError(f"{count} dream slots is not a multiple of {queries.shape[0]} dream queries")
        return embeds.masked_scatter(dream_mask.unsqueeze(-1), queries.repeat(count // queries.shape[0], 1).to(embeds.dtype))

    def extra_losses(self, hidden_states: torch.Tensor, slots: dict[str, torch.Tensor], inputs: dict[str, Any],
                     used: dict[str, bool]) -> dict[str, torch.Tensor]:
        """The VM loss: the diffusion head's MSE, conditioned on the hidden states at the dream slots, normalised by
        `num_dream_images` over the whole batch (by default this micro-batch's)."""
        vm_loss = hidden_states.new_zeros((), dtype=torch.float32)
        dream_mask, targets = slots["queries"], inputs.get("dream_pixel_values")
        used["head"] = False
        if self.head is not None and self.config.loss_weight_vm != 0 and dream_mask.any() and targets is not None:
            num_queries = self.dream_queries.num_queries
            conditions = hidden_states[dream_mask].reshape(-1, num_queries, hidden_states.shape[-1])
            images = conditions.shape[0]
            normaliser = inputs.get("num_dream_images")
            vm_loss = self.head.loss(conditions, targets) * images / (normaliser if normaliser is not None else images)
            used["head"] = True
        return {"vm": vm_loss}

    @staticmethod
    def normaliser_counts(batch: dict[str, Any]) -> dict[str, float]:
        return {**OmniForCausalLM.normaliser_counts(batch),
                "num_dream_images": float(len(batch.get("dream_pixel_values", ())))}

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None,
                labels: torch.Tensor | None = None, pixel_values: torch.Tensor | None = None,
                dream_pixel_values: torch.Tensor | None = None, num_label_tokens: int | torch.Tensor | None = None,
                num_dream_images: int | torch.Tensor | None = None, **inputs: Any) -> DreamLLMOutput:
        """The base forward, with DreamLLM's inputs named (`dream_pixel_values`: the images to create)."""
        return super().forward(input_ids, attention_mask, labels, pixel_values, num_label_tokens=num_label_tokens,
                               dream_pixel_values=dream_pixel_values, num_dream_images=num_dream_images, **inputs)

    def make_output(self, **fields: Any) -> DreamLLMOutput:
        return DreamLLMOutput(**fields, lm_loss=fields["metrics"]["lm_loss"], vm_loss=fields["metrics"]["vm_loss"])
