"""The base of every MLLM here: the wrapped causal LM (`build_llm`, `load_llm`) and the one base model class
(`OmniForCausalLM` with `OmniConfig`) that composes plugins around it."""

from transformers import AutoConfig, AutoModel

from omni.models.base.configuration_omni import OmniConfig
from omni.models.base.llm import build_llm, load_llm
from omni.models.base.modeling_omni import OmniForCausalLM, OmniOutput, OmniPreTrainedModel

AutoConfig.register(OmniConfig.model_type, OmniConfig, exist_ok=True)
AutoModel.register(OmniConfig, OmniForCausalLM, exist_ok=True)

__all__ = ["OmniConfig", "OmniForCausalLM", "OmniOutput", "OmniPreTrainedModel", "build_llm", "load_llm"]
