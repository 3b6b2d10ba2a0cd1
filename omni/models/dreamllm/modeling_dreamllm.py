"""DreamLLM as a `transformers.PreTrainedModel` that wraps a causal LM and composes plugins.

One training step, end to end: token ids → LLM input embeddings, with the vision encoder's outputs scattered into the
`<im_patch>` slots inside `<im_start> … <im_end>` and the dream queries into the slots inside
`<dream_start> … <dream_end>` → the LLM → (a) next-token loss on the labelled tokens, (b) the hidden states at the
dream-query slots → the diffusion head's MSE. Loss = w_lm · LM + w_vm · VM.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from transformers import PreTrainedModel
from transformers.utils import ModelOutput

from omni.constants import DREAM_END, DREAM_START, IGNORE_INDEX, IM_PATCH
from omni.models.base import build_llm, load_llm
from omni.models.dreamllm.configuration_dreamllm import DreamLLMConfig
from omni.models.plugins import DreamQueries, Plugin, build_plugin


@dataclass
class DreamLLMOutput(ModelOutput):
    loss: torch.Tensor | None = None
    lm_loss: torch.Tensor | None = None
    vm_loss: torch.Tensor | None = None
    logits: torch.Tensor | None = None
    hidden_states: torch.Tensor | None = None


class DreamLLMPreTrainedModel(PreTrainedModel):
    config_class = DreamLLMConfig
    base_model_prefix = "dreamllm"
    _no_split_modules = ["LlamaDecoderLayer", "CLIPEncoderLayer"]
    _supports_sdpa = True
    _supports_flash_attn = True
    supports_gradient_checkpointing = True

    def _init_weights(self, module: nn.Module) -> None:
        # The wrapped LLM and CLIP initialise themselves; diffusers modules keep their own init; our own parameters:
        if isinstance(module, DreamQueries):
            nn.init.normal_(module.embeddings, std=module.init_std)


class DreamLLMForCausalLM(DreamLLMPreTrainedModel):
    def __init__(self, config: DreamLLMConfig):
        super().__init__(config)
        if config.special_token_ids is None:
            config.special_token_ids = config.default_special_token_ids()
            config.llm_config.vocab_size += len(config.special_token_ids)
        self.llm = build_llm(config.llm_config, attn_implementation=config.attn_implementation)
        self._inject_lora()
        hidden = config.llm_config.hidden_size
        self.plugins = nn.ModuleDict({name: build_plugin(spec, hidden) for name, spec in (config.plugins or {}).items()})
        # Write the plugins' architectures back inline: a saved checkpoint then rebuilds without their directories.
        config.plugins = {name: plugin.to_spec() for name, plugin in self.plugins.items()}
        self.post_init()

    # ---- building ------------------------------------------------------------------------------------------------
    @classmethod
    def build(cls, config: DreamLLMConfig, load_pretrained: bool = True) -> DreamLLMForCausalLM:
        """A fresh DreamLLM: architecture from `config`, then each pretrained part from its own directory."""
        model = cls(config)
        if load_pretrained:
            if config.llm_name_or_path:
                model.llm = load_llm(config.llm_name_or_path, config.llm_config.vocab_size, config.attn_implementation)
                config.llm_config = model.llm.config
                model._inject_lora()
            for plugin in model.plugins.values():
                plugin.load_pretrained()
        return model

    @classmethod
    def from_pretrained(cls, *args: Any, **kwargs: Any) -> DreamLLMForCausalLM:
        """A saved DreamLLM; plugins exported by reference load their frozen backbones from their own directories."""
        config = kwargs.get("config")
        if not isinstance(config, DreamLLMConfig) and args:
            config = DreamLLMConfig.from_pretrained(args[0])
        referenced = (config.frozen_by_reference or {}) if isinstance(config, DreamLLMConfig) else {}
        # the backbones left out are loaded below: not "missing" (transformers would list each tensor as newly
        # initialised); anything else missing is still reported
        ignored = cls._keys_to_ignore_on_load_missing
        cls._keys_to_ignore_on_load_missing = [rf"^plugins\.{re.escape(name)}\.{re.escape(part)}\."
                                               for name, parts in referenced.items() for part in parts] or ignored
        try:
            model = super().from_pretrained(*args, **kwargs)
        finally:
            cls._keys_to_ignore_on_load_missing = ignored
        for name in model.config.frozen_by_reference or []:
            plugin = model.plugins[name]
            dtypes = {module: next(module.parameters()).dtype for module in plugin.frozen_modules().values()}
            plugin.load_pretrained()
            for module, dtype in dtypes.items():
                module.to(dtype)
        return model

    def frozen_state_by_reference(self) -> tuple[dict[str, list[str]], set[str]]:
        """The frozen backbones an export can leave out (of plugins with a `model_name_or_path` to reload them
        from), as {plugin: [parts]}, and the state-dict keys that leaves out."""
        parts, keys = {}, set()
        for name, plugin in self.plugins.items():
            if getattr(plugin, "model_name_or_path", None) and plugin.frozen_modules():
                parts[name] = sorted(plugin.frozen_modules())
                keys |= {f"plugins.{name}.{part}.{key}" for part, module in plugin.frozen_modules().items()
                         for key in module.state_dict()}
        return parts, keys

    def _inject_lora(self) -> None:
        """Rebuild the LoRA adapters the config records (a LoRA run's export loads into adapter-shaped modules)."""
        if self.config.lora:
            from omni.models.lora import inject_lora

            inject_lora(self.llm, self.config.lora)

    def _plugin(self, role: str) -> Plugin | None:
        for plugin in self.plugins.values():
            if plugin.role == role:
                return plugin
        return None

    @property
    def vision_encoder(self) -> Plugin | None:
        return self._plugin("encoder")

    @property
    def dream_queries(self) -> DreamQueries | None:
        return self._plugin("queries")  # type: ignore[return-value]

    @property
    def diffusion_head(self) -> Plugin | None:
        return self._plugin("head")

    def frozen_modules(self) -> dict[str, nn.Module]:
        """Frozen plugin backbones by qualified name (kept out of FSDP sharding)."""
        return {f"plugins.{name}.{part}": module for name, plugin in self.plugins.items()
                for part, module in plugin.frozen_modules().items()}

    def get_input_embeddings(self) -> nn.Module:
        return self.llm.get_input_embeddings()

    def set_input_embeddings(self, value: nn.Module) -> None:
        self.llm.set_input_embeddings(value)

    def get_output_embeddings(self) -> nn.Module:
        return self.llm.get_output_embeddings()

    # ---- forward -------------------------------------------------------------------------------------------------
    def block_masks(self, input_ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Masks of the image-patch slots and of the dream-query slots (both use the `<im_patch>` placeholder)."""
        ids = self.config.special_token_ids
        placeholder = input_ids == ids[IM_PATCH]
        depth = torch.cumsum((input_ids == ids[DREAM_START]).int() - (input_ids == ids[DREAM_END]).int(), dim=-1)
        in_dream = depth > 0
        return placeholder & ~in_dream, placeholder & in_dream

    def embed_inputs(self, input_ids: torch.Tensor, pixel_values: torch.Tensor | None = None,
                     masks: tuple[torch.Tensor, torch.Tensor] | None = None) -> torch.Tensor:
        """Token embeddings with image features and dream queries scattered into their slots (`masks`: the
        `block_masks` of `input_ids`, when the caller already has them)."""
        embeds = self.llm.get_input_embeddings()(input_ids)
        image_mask, dream_mask = masks if masks is not None else self.block_masks(input_ids)
        hidden = embeds.shape[-1]
        if image_mask.any():
            if pixel_values is None or self.vision_encoder is None:
                raise ValueError("input_ids contain image slots but no pixel_values (or no vision encoder plugin)")
            features = self.vision_encoder(pixel_values).reshape(-1, hidden)
            if features.shape[0] != int(image_mask.sum()):
                raise ValueError(f"{int(image_mask.sum())} image slots in input_ids but {features.shape[0]} image features")
            embeds = embeds.masked_scatter(image_mask.unsqueeze(-1), features.to(embeds.dtype))
        if dream_mask.any():
            queries = self.dream_queries()
            slots = int(dream_mask.sum())
            if slots % queries.shape[0]:
                raise ValueError(f"{slots} dream slots is not a multiple of {queries.shape[0]} dream queries")
            embeds = embeds.masked_scatter(dream_mask.unsqueeze(-1), queries.repeat(slots // queries.shape[0], 1).to(embeds.dtype))
        return embeds

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        pixel_values: torch.Tensor | None = None,
        dream_pixel_values: torch.Tensor | None = None,
        num_label_tokens: int | torch.Tensor | None = None,
        num_dream_images: int | torch.Tensor | None = None,
        **_: object,
    ) -> DreamLLMOutput:
        """`num_label_tokens` / `num_dream_images`: normalisers over a whole accumulated (and global) batch, so that
        losses summed over micro-batches equal the loss of the full batch; by default this micro-batch's own counts."""
        image_mask, dream_mask = self.block_masks(input_ids)
        embeds = self.embed_inputs(input_ids, pixel_values, (image_mask, dream_mask))
        outputs = self.llm.get_decoder()(inputs_embeds=embeds, attention_mask=attention_mask, use_cache=False)
        hidden_states = outputs.last_hidden_state
        logits = self.llm.get_output_embeddings()(hidden_states)
        zero = hidden_states.new_zeros((), dtype=torch.float32)

        lm_loss = zero
        if labels is not None:
            shift_labels = labels[:, 1:]
            count = num_label_tokens if num_label_tokens is not None else (shift_labels != IGNORE_INDEX).sum().clamp(min=1)
            lm_loss = F.cross_entropy(
                logits[:, :-1].reshape(-1, logits.shape[-1]).float(), shift_labels.reshape(-1),
                ignore_index=IGNORE_INDEX, reduction="sum",
            ) / count

        vm_loss = zero
        head = self.diffusion_head
        used = {"encoder": bool(image_mask.any()), "queries": bool(dream_mask.any()), "head": False}
        if head is not None and self.config.loss_weight_vm != 0 and dream_mask.any() and dream_pixel_values is not None:
            num_queries = self.dream_queries.num_queries
            conditions = hidden_states[dream_mask].reshape(-1, num_queries, hidden_states.shape[-1])
            per_image = head(conditions, dream_pixel_values)
            images = conditions.shape[0]
            vm_loss = per_image * images / (num_dream_images if num_dream_images is not None else images)
            used["head"] = True
        loss = self.config.loss_weight_lm * lm_loss + self.config.loss_weight_vm * vm_loss
        # Plugins this batch did not use still join the graph with a zero: under FSDP every rank must reduce the same
        # gradients, whatever mix of samples it drew.
        idle = [p for plugin in self.plugins.values() if not used.get(plugin.role, True)
                for p in plugin.parameters() if p.requires_grad]
        if idle and torch.is_grad_enabled():
            loss = loss + 0.0 * sum(p.sum() for p in idle)
        return DreamLLMOutput(loss=loss, lm_loss=lm_loss.detach(), vm_loss=vm_loss.detach(), logits=logits,
                              hidden_states=hidden_states)
