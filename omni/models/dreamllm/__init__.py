"""DreamLLM: an LLM that comprehends images through a vision plugin and creates them through a diffusion head."""

from transformers import AutoConfig, AutoModel

from omni.models.dreamllm.configuration_dreamllm import DreamLLMConfig
from omni.models.dreamllm.modeling_dreamllm import DreamLLMForCausalLM, DreamLLMOutput

AutoConfig.register(DreamLLMConfig.model_type, DreamLLMConfig, exist_ok=True)
AutoModel.register(DreamLLMConfig, DreamLLMForCausalLM, exist_ok=True)

__all__ = ["DreamLLMConfig", "DreamLLMForCausalLM", "DreamLLMOutput"]
