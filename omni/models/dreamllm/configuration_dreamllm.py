"""`DreamLLMConfig`: the JSON-serialisable description of a DreamLLM (base LLM + plugins + special tokens + losses).

Each plugin is a dict `{"type": <registered plugin name>, ...its arguments}`; after a model is built the plugins'
architectures are written back inline, so a saved checkpoint rebuilds without the original backbone directories.
"""

from __future__ import annotations

from typing import Any

from transformers import AutoConfig, PreTrainedConfig
from transformers.configuration_utils import SubConfigSpec

from omni.constants import SPECIAL_TOKENS


class DreamLLMConfig(PreTrainedConfig):
    model_type = "dreamllm"
    sub_configs_defaults = {"llm_config": SubConfigSpec(config_class=AutoConfig, model_type="llama")}

    llm_config: dict | PreTrainedConfig | None = None
    llm_name_or_path: str | None = None
    plugins: dict | None = None
    special_token_ids: dict | None = None
    loss_weight_lm: float = 1.0
    loss_weight_vm: float = 10.0
    model_max_length: int = 2048
    # the chat format of conversations (omni.data.builders.dreamllm.TEMPLATES), kept with the model so that inference
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
        """Add the multimodal special tokens to `tokenizer` (if missing) and record their ids and the vocabulary size."""
        missing = [t for t in SPECIAL_TOKENS if t not in tokenizer.get_vocab()]
        if missing:
            tokenizer.add_special_tokens({"additional_special_tokens": missing}, replace_extra_special_tokens=False)
        self.special_token_ids = {t: tokenizer.convert_tokens_to_ids(t) for t in SPECIAL_TOKENS}
        self.llm_config.vocab_size = max(self.llm_config.vocab_size, len(tokenizer))
        if tokenizer.pad_token_id is not None:
            self.llm_config.pad_token_id = tokenizer.pad_token_id
        return tokenizer

    def default_special_token_ids(self) -> dict[str, int]:
        """Ids when no tokenizer is attached (size planning on `meta`): the tokens appended after the LLM's vocabulary."""
        base = self.llm_config.vocab_size
        return {token: base + i for i, token in enumerate(SPECIAL_TOKENS)}

    def plugin_of_type(self, kind: str) -> tuple[str, dict] | None:
        for name, spec in (self.plugins or {}).items():
            if spec.get("type") == kind:
                return name, spec
        return None
