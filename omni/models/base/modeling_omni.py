"""`OmniForCausalLM`: the one base model every MLLM here shares, a `transformers.PreTrainedModel` wrapping a causal LM.

What it holds: the wrapped LLM (any `AutoModelForCausalLM`), the plugins composed by name from the config, LoRA on
the LLM, and save/load with frozen backbones by reference. One forward, end to end: token ids → LLM input embeddings
with each encoder's outputs scattered into its `<im_patch>` slots → the LLM → next-token loss on the labelled tokens,
plus whatever losses a subclass adds (`extra_losses`). The loss is the weighted sum of the named losses, each weight the
config's `loss_weight_<name>`; the named losses and any other quantities come back in `metrics` for the trainer to log.

A project specialises it by overriding three small hooks: `slot_masks` (which placeholder slots belong to which
plugin), `scatter_extra` (fill slots of its own, e.g. DreamLLM's dream queries) and `extra_losses`; and it declares
its loss normalisers in `normaliser_counts`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from transformers import PreTrainedModel
from transformers.utils import ModelOutput

from omni.constants import IGNORE_INDEX, IM_PATCH
from omni.data.builders.sequence import SequenceBuilder
from omni.models.base.configuration_omni import OmniConfig
from omni.models.base.llm import build_llm, load_llm
from omni.models.base.preference import (
    REFERENCE_KEYS,
    PreferenceSettings,
    adapters_disabled,
    answer_logprobs,
    answer_tokens,
    preference_losses,
    reference_model,
    stack_pairs,
)
from omni.models.feature_cache import FeatureCache
from omni.models.plugins import EncoderPlugin, HeadPlugin, Plugin, QueriesPlugin, build_plugin


@dataclass
class OmniOutput(ModelOutput):
    loss: torch.Tensor | None = None
    logits: torch.Tensor | None = None
    hidden_states: torch.Tensor | None = None
    # named, detached quantities of this forward (each loss before weighting, …): what the trainer logs
    metrics: dict[str, torch.Tensor] | None = None


class OmniPreTrainedModel(PreTrainedModel):
    config_class = OmniConfig
    base_model_prefix = "omni"
    # no hard-coded block names: transformers' post_init gathers `_no_split_modules` from the parts actually used
    # (the LLM's decoder layers, the vision tower's encoder layers), whatever their family
    _no_split_modules: list[str] = []
    _supports_sdpa = True
    _supports_flash_attn = True
    supports_gradient_checkpointing = True

    def post_init(self) -> None:
        super().post_init()
        # transformers gathers `_no_split_modules` from direct children only; plugins keep their towers one level
        # down (plugins.<name>.backbone), so collect from every transformers model inside
        for module in self.modules():
            if module is not self and isinstance(module, PreTrainedModel):
                self._no_split_modules.update(module._no_split_modules or [])

    def _init_weights(self, module: nn.Module) -> None:
        # The wrapped LLM and vision towers initialise themselves; diffusers modules keep their own init; our own:
        if isinstance(module, QueriesPlugin) and hasattr(module, "init_std"):
            nn.init.normal_(module.embeddings, std=module.init_std)


class OmniForCausalLM(OmniPreTrainedModel):
    def __init__(self, config: OmniConfig):
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
    def build(cls, config: OmniConfig, load_pretrained: bool = True) -> OmniForCausalLM:
        """A fresh model: architecture from `config`, then each pretrained part from its own directory."""
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
    def from_pretrained(cls, *args: Any, **kwargs: Any) -> OmniForCausalLM:
        """A saved model; plugins exported by reference load their frozen backbones from their own directories."""
        config = kwargs.get("config")
        if not isinstance(config, OmniConfig) and args:
            config = cls.config_class.from_pretrained(args[0])
            kwargs["config"] = config
        referenced = (config.frozen_by_reference or {}) if isinstance(config, OmniConfig) else {}
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
                if next(module.parameters()).dtype != dtype:  # diffusers warns on every cast, even a no-op one
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

    # ---- parts ---------------------------------------------------------------------------------------------------
    def _plugin(self, role: str) -> Plugin | None:
        return next((plugin for plugin in self.plugins.values() if plugin.role == role), None)

    @property
    def vision_encoder(self) -> EncoderPlugin | None:
        return self._plugin("encoder")  # type: ignore[return-value]

    @property
    def queries(self) -> QueriesPlugin | None:
        return self._plugin("queries")  # type: ignore[return-value]

    @property
    def head(self) -> HeadPlugin | None:
        return self._plugin("head")  # type: ignore[return-value]

    def sequence_builder(self, tokenizer: Any) -> SequenceBuilder:
        """The builder of the sequences this model reads, for training and inference alike: image slots as its encoder
        counts them, dream blocks only if it creates images (queries and a head), in its chat template."""
        encoder, queries = self.vision_encoder, self.queries
        creates = queries is not None and self.head is not None
        return SequenceBuilder(tokenizer, self.config.special_token_ids, encoder.num_image_tokens if encoder else 0,
                               queries.num_queries if creates else 0, self.config.model_max_length,
                               template=self.config.conversation_template)

    def generator(self, tokenizer: Any) -> Any:
        """This model's inference (`OmniGenerator`: captions, answers, log-likelihoods); a model that creates images
        returns a generator that does that too."""
        from omni.models.base.generation import OmniGenerator

        return OmniGenerator(self, tokenizer)

    def frozen_modules(self) -> dict[str, nn.Module]:
        """Frozen plugin backbones by qualified name (kept out of FSDP sharding)."""
        return {f"plugins.{name}.{part}": module for name, plugin in self.plugins.items()
                for part, module in plugin.frozen_modules().items()}

    def use_feature_cache(self, root: str | Path) -> dict[str, FeatureCache]:
        """Cache what every frozen plugin backbone computes from its inputs under `root` (`omni.models.feature_cache`),
        by qualified cache name: a later epoch, stage or run with the same backbones and inputs skips them."""
        return {f"{name}.{cache_name}": cache for name, plugin in self.plugins.items()
                for cache_name, cache in plugin.use_feature_cache(root).items()}

    def get_input_embeddings(self) -> nn.Module:
        return self.llm.get_input_embeddings()

    def set_input_embeddings(self, value: nn.Module) -> None:
        self.llm.set_input_embeddings(value)

    def get_output_embeddings(self) -> nn.Module:
        return self.llm.get_output_embeddings()

    # ---- hooks a specialisation overrides ---------------------------------------------------------------------------
    def slot_masks(self, input_ids: torch.Tensor) -> dict[str, torch.Tensor]:
        """Placeholder slots by the role that fills them. Here every `<im_patch>` is an encoder slot."""
        return {"encoder": input_ids == self.config.special_token_ids[IM_PATCH]}

    def scatter_extra(self, embeds: torch.Tensor, slots: dict[str, torch.Tensor]) -> torch.Tensor:
        """Fill slots other than the encoder's (none here)."""
        return embeds

    def extra_losses(self, hidden_states: torch.Tensor, slots: dict[str, torch.Tensor], inputs: dict[str, Any],
                     used: dict[str, bool]) -> dict[str, torch.Tensor]:
        """Losses besides the LM's, by name (weighted by `loss_weight_<name>`); mark the roles they use in `used`."""
        return {}

    @staticmethod
    def normaliser_counts(batch: dict[str, Any]) -> dict[str, float]:
        """What this micro-batch contributes to each loss's normaliser, by the forward argument that takes it. The
        trainer sums these over an accumulated, all-ranks batch, so losses summed over micro-batches equal the full
        batch's loss. A preference batch is normalised by its pairs."""
        if "rejected_input_ids" in batch:
            return {"num_pairs": float(batch["input_ids"].shape[0])}
        return {"num_label_tokens": float((batch["labels"][:, 1:] != IGNORE_INDEX).sum())}

    # ---- forward -------------------------------------------------------------------------------------------------
    def embed_inputs(self, input_ids: torch.Tensor, pixel_values: torch.Tensor | None = None,
                     slots: dict[str, torch.Tensor] | None = None,
                     image_patch_mask: torch.Tensor | None = None) -> torch.Tensor:
        """Token embeddings with image features (and a specialisation's own slots) scattered in (`slots`: the
        `slot_masks` of `input_ids`, when the caller already has them). `pixel_values` and `image_patch_mask` are
        what the encoder's `preprocess` made of the sequences' images, in order: their tokens fill the slots in
        order, however many each image takes."""
        embeds = self.llm.get_input_embeddings()(input_ids)
        slots = slots if slots is not None else self.slot_masks(input_ids)
        image_mask = slots["encoder"]
        if image_mask.any():
            if pixel_values is None or self.vision_encoder is None:
                raise ValueError("input_ids contain image slots but no pixel_values (or no vision encoder plugin)")
            features = self.vision_encoder(pixel_values, image_patch_mask).reshape(-1, embeds.shape[-1])
            if features.shape[0] != int(image_mask.sum()):
                raise ValueError(f"{int(image_mask.sum())} image slots in input_ids but {features.shape[0]} image features")
            embeds = embeds.masked_scatter(image_mask.unsqueeze(-1), features.to(embeds.dtype))
        return self.scatter_extra(embeds, slots)

    def lm_loss(self, hidden_states: torch.Tensor, labels: torch.Tensor, num_label_tokens: Any = None) -> torch.Tensor:
        """Next-token cross-entropy summed over the labelled positions / `num_label_tokens`. The LM head runs only
        where a label is: a (B, T, V) fp32 logits tensor is never made in training (at 7B, T = 2048 and V = 32K it
        is 262 MB per sequence, most of it for prompt, image and padding positions that carry no label)."""
        shift_labels = labels[:, 1:]
        learned = shift_labels != IGNORE_INDEX
        count = num_label_tokens if num_label_tokens is not None else learned.sum().clamp(min=1)
        logits = self.llm.get_output_embeddings()(hidden_states[:, :-1][learned])
        return F.cross_entropy(logits.float(), shift_labels[learned], reduction="sum") / count

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        pixel_values: torch.Tensor | None = None,
        num_label_tokens: int | torch.Tensor | None = None,
        image_patch_mask: torch.Tensor | None = None,
        return_logits: bool | None = None,
        **inputs: Any,
    ) -> OmniOutput:
        """`num_label_tokens` (and a specialisation's other normalisers, see `normaliser_counts`): counts over a whole
        accumulated (and global) batch; by default this micro-batch's own. A batch with `rejected_input_ids` is a
        preference batch (`preference_forward`). `return_logits`: the full (B, T, V) logits, by default everywhere
        but in training with labels (the loss needs them only where labels are). `position_ids` in `inputs`: a packed
        batch (`omni.data.packing`)."""
        if inputs.get("rejected_input_ids") is not None:
            return self.preference_forward(input_ids, attention_mask, labels, pixel_values, image_patch_mask, **inputs)
        slots = self.slot_masks(input_ids)
        embeds = self.embed_inputs(input_ids, pixel_values, slots, image_patch_mask)
        # a packed batch (omni.data.packing): positions restart per sample and, with no mask given, transformers
        # isolates the samples from them (block-diagonal SDPA mask, or flash-attention's varlen kernel)
        position_ids = inputs.pop("position_ids", None)
        outputs = self.llm.get_decoder()(inputs_embeds=embeds, use_cache=False, position_ids=position_ids,
                                         attention_mask=None if position_ids is not None else attention_mask)
        hidden_states = outputs.last_hidden_state
        if return_logits is None:
            return_logits = not (self.training and labels is not None)
        logits = self.llm.get_output_embeddings()(hidden_states) if return_logits else None
        zero = hidden_states.new_zeros((), dtype=torch.float32)
        losses = {"lm": self.lm_loss(hidden_states, labels, num_label_tokens) if labels is not None else zero}
        used = {role: bool(mask.any()) for role, mask in slots.items()}
        losses.update(self.extra_losses(hidden_states, slots, inputs, used))
        loss = sum((self.config.loss_weight(name) * value for name, value in losses.items()), zero)
        return self.make_output(loss=self._with_idle_plugins(loss, used), logits=logits, hidden_states=hidden_states,
                                metrics={f"{name}_loss": value.detach() for name, value in losses.items()})

    def _with_idle_plugins(self, loss: torch.Tensor, used: dict[str, bool]) -> torch.Tensor:
        """Plugins this batch did not use still join the graph with a zero: under FSDP every rank must reduce the same
        gradients, whatever mix of samples it drew."""
        idle = [p for plugin in self.plugins.values() if not used.get(plugin.role, False)
                for p in plugin.parameters() if p.requires_grad]
        if idle and torch.is_grad_enabled():
            loss = loss + 0.0 * sum(p.sum() for p in idle)
        return loss

    def answer_logprobs(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, labels: torch.Tensor,
                        image_inputs: dict[str, torch.Tensor | None], average: bool = False) -> torch.Tensor:
        """log p(labelled tokens) per row (summed, or averaged per token): what preference losses compare."""
        embeds = self.embed_inputs(input_ids, image_inputs.get("pixel_values"), None, image_inputs.get("image_patch_mask"))
        hidden = self.llm.get_decoder()(inputs_embeds=embeds, attention_mask=attention_mask, use_cache=False).last_hidden_state
        return answer_logprobs(self.llm.get_output_embeddings()(hidden), labels, average)

    def preference_forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None, labels: torch.Tensor,
                           pixel_values: torch.Tensor | None = None, image_patch_mask: torch.Tensor | None = None,
                           num_pairs: Any = None, **inputs: Any) -> OmniOutput:
        """The preference loss of chosen (`input_ids`, `labels`) against rejected (`rejected_*`) answers to the same
        prompts and images, against the reference (omni.models.base.preference); `num_pairs`: the global count."""
        settings = PreferenceSettings.from_config(self.config.preference)
        pad = self.config.llm_config.pad_token_id or 0
        ids, stacked_labels, mask = stack_pairs(input_ids, labels, attention_mask, inputs["rejected_input_ids"],
                                                inputs["rejected_labels"], inputs.get("rejected_attention_mask"), pad)
        images = {"pixel_values": None if pixel_values is None else torch.cat([pixel_values] * 2),
                  "image_patch_mask": None if image_patch_mask is None else torch.cat([image_patch_mask] * 2)}
        average = settings.loss_type == "ipo"
        policy = self.answer_logprobs(ids, mask, stacked_labels, images, average)
        if all(inputs.get(key) is not None for key in REFERENCE_KEYS):  # precomputed once
            reference = torch.cat([inputs[key].to(policy) for key in REFERENCE_KEYS])
        else:
            with torch.no_grad():
                copy = reference_model(self)
                if copy is not None:
                    reference = copy.to(ids.device).answer_logprobs(ids, mask, stacked_labels, images, average)
                elif self.config.lora:
                    with adapters_disabled(self.llm):
                        reference = self.answer_logprobs(ids, mask, stacked_labels, images, average)
                else:
                    raise ValueError("a preference batch needs a reference: LoRA on the LLM (the model without its "
                                     "adapters), a frozen copy (omni.models.base.preference.attach_reference), or "
                                     "precomputed reference_chosen_logps / reference_rejected_logps in the batch")
        pairs = input_ids.shape[0]
        losses, chosen_rewards, rejected_rewards = preference_losses(policy[:pairs], policy[pairs:], reference[:pairs],
                                                                     reference[pairs:], settings)
        count = num_pairs if num_pairs is not None else pairs
        value = preference = losses.sum() / count
        metrics = {}
        if settings.sft_weight:  # RPO: the chosen answer's NLL per token keeps its likelihood (and its end) up
            nll = -(policy[:pairs] if average else policy[:pairs] / answer_tokens(labels).clamp(min=1))
            metrics["sft_loss"] = nll.detach().sum() / count
            value = preference + settings.sft_weight * nll.sum() / count
        used = {"encoder": pixel_values is not None}
        metrics |= {"preference_loss": preference.detach(), "reward_chosen": chosen_rewards.sum() / count,
                   "reward_rejected": rejected_rewards.sum() / count,
                   "reward_accuracy": (chosen_rewards > rejected_rewards).float().sum() / count,
                   "reward_margin": (chosen_rewards - rejected_rewards).sum() / count}
        return self.make_output(loss=self._with_idle_plugins(self.config.loss_weight("preference") * value, used),
                                metrics=metrics)

    def make_output(self, **fields: Any) -> OmniOutput:
        return OmniOutput(**fields)
