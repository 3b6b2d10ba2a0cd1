"""LLaVA-1.5-7B as released (liuhaotian/llava-v1.5-7b): Vicuna-7B v1.5, CLIP ViT-L/14 at 336 px (second-to-last
layer, CLS dropped: 576 tokens), the `mlp2x_gelu` projector (Linear 1024→4096, GELU, Linear 4096→4096: 20,979,712
parameters), images padded to a square, Vicuna v1 chat format with LLaVA's system prompt, 2048 tokens."""

from __future__ import annotations

from omni.models.base import OmniConfig
from omni.models.presets import clip_vision_plugin, llama_config

VICUNA_7B_V15 = llama_config(4096, 32, 32, 11008, 32000, max_position_embeddings=4096, rms_norm_eps=1e-5)
CLIP_VIT_L14_336 = {"hidden_size": 1024, "intermediate_size": 4096, "num_hidden_layers": 24, "num_attention_heads": 16,
                    "image_size": 336, "patch_size": 14, "projection_dim": 768, "hidden_act": "quick_gelu"}


def llava15_7b_config(projector: str = "mlp2x_gelu", model_max_length: int = 2048) -> OmniConfig:
    return OmniConfig(
        llm_config=dict(VICUNA_7B_V15), llm_name_or_path="lmsys/vicuna-7b-v1.5",
        plugins={"vision_encoder": clip_vision_plugin(dict(CLIP_VIT_L14_336), "openai/clip-vit-large-patch14-336",
                                                      projector=projector, pad_to_square=True)},
        model_max_length=model_max_length, conversation_template="llava_v1",
    )
