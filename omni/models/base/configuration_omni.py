"""`OmniConfig`: the JSON-serialisable description of an MLLM (base LLM + plugins + special tokens + loss weights).

Each plugin is a dict `{"type": <registered plugin name>, ...its arguments}`; after a model is built the plugins'
architectures are written back inline, so a saved checkpoint rebuilds without the original backbone directories.
A project's config class (DreamLLM's) subclasses this one and adds only what its model adds.
"""

from __future__ import annotations

from typing import Any, ClassVar

from transformers import AutoConfig, PreTrainedConfig
from transformers.configuration_utils import SubConfigSpec

from omni.constants import IM_END, IM_PATCH, IM_START


class OmniConfig(PreTrainedConfig):
    model_type = "omni"
    sub_configs_defaults = {"llm_config": SubConfigSpec(config_class=AutoConfig, model_type="llama")}
    # the tokens this model adds to its LLM's vocabulary, in this order: an image is `<im_start> <im_patch>×N <im_end>`
    special_tokens: ClassVar[tuple[str, ...]] = (IM_START, IM_PATCH, IM_END)

    llm_config: dict | PreTrainedConfig | None = None
    llm_name_or_path: str | None = None
    plugins: dict | None = None
    special_token_ids: dict | None = None
    # the weight of each named loss the model returns is its config's `loss_weight_<name>` (one home for all of them)
    loss_weight_lm: float = 1.0
    # a preference stage (DPO and its variants, omni.models.base.preference): {"beta", "loss_type", "label_smoothing"};
    # its loss, on preference batches, is weighted by `loss_weight_preference`
    preference: dict | None = None
    loss_weight_preference: float = 1.0
    model_max_length: int = 2048
    # the chat format of conversations (omni.data.builders.sequence.TEMPLATES), kept with the model so that inference
    # builds prompts exactly as training did
    conversation_template: str = "vicuna_v1.1"
    # LoRA adapters on the LLM (omni.models.lora): {"r", "alpha", "dropout", "target_modules"}, or None
    lora: dict | None = None
    # frozen backbones an export left out, {plugin: [parts]}: `from_pretrained` loads them from the plugin's own
    # `model_name_or_path` (a 7B DreamLLM export in bf16 is then 13.5 GB, not 16 GB with CLIP-L and SD 2.1 copied in)
    frozen_by_reference: dict | None = None
    attn_implementation: str = "sdpa"
    tie_word_embeddings: bool = False

    def attach_tokenizer(self, tokenizer: Any) -> Any:
        """Add this model's special tokens to `tokenizer` (if missing) and record their ids and the vocabulary size."""
        missing = [t for t in self.special_tokens if t not in tokenizer.get_vocab()]
        if missing:
            tokenizer.add_special_tokens({"additional_special_tokens": missing}, replace_extra_special_tokens=False)
        self.special_token_ids = {t: tokenizer.convert_tokens_to_ids(t) for t in self.special_tokens}
        self.llm_config.vocab_size = max(self.llm_config.vocab_size, len(tokenizer))
        if tokenizer.pad_token_id is not None:
            self.llm_config.pad_token_id = tokenizer.pad_token_id
        return tokenizer

    def default_special_token_ids(self) -> dict[str, int]:
        """Ids when no tokenizer is attached (size planning on `meta`): the tokens appended after the LLM's vocabulary."""
        base = self.llm_config.vocab_size
        return {token: base + i for i, token in enumerate(self.special_tokens)}

    def plugin_of_type(self, kind: str) -> tuple[str, dict] | None:
        for name, spec in (self.plugins or {}).items():
            if spec.get("type") == kind:
                return name, spec
        return None

    def set_loss_weights(self, weights: dict[str, float]) -> None:
        """Set the weights of named losses (a stage's `model.loss_weights`); a name this model has no loss for is an
        error naming the ones it has."""
        known = sorted(key.removeprefix("loss_weight_") for key in dir(self) if key.startswith("loss_weight_"))
        unknown = sorted(set(weights) - set(known))
        if unknown:
            raise ValueError(f"{type(self).__name__} has no loss {unknown}; its losses are {known}")
        for name, weight in weights.items():
            setattr(self, f"loss_weight_{name}", float(weight))

    def loss_weight(self, name: str) -> float:
        """The weight of the loss called `name` (`lm`, `vm`, …): the config's `loss_weight_<name>`."""
        key = f"loss_weight_{name}"
        if not hasattr(self, key):
            raise AttributeError(f"{type(self).__name__} has no {key}: a model returning a loss '{name}' must declare "
                                 f"its weight in its config class")
        return float(getattr(self, key))
