"""MM1 at paper size: ViT-H/14 at 378 px (27×27 = 729 patches, CLS dropped) → C-Abstractor (144 tokens, Honeybee's
structure: depth 3, hidden 1024, MLP readout) → a ~3B LLaMA-style decoder.

MM1's own ViT and LLM are not public: the ViT is sized as the CLIP ViT-H/14 Apple released at 378 px
(apple/DFN5B-CLIP-ViT-H-14-378) and the LLM as OpenLLaMA-3B (3200 wide, 26 layers), stand-ins of the published sizes.
"""

from __future__ import annotations

from omni.models.base import OmniConfig
from omni.models.presets import clip_vision_plugin, llama_config

LLAMA_3B = llama_config(3200, 26, 32, 8640, 32000, max_position_embeddings=4096)
CLIP_VIT_H14_378 = {"hidden_size": 1280, "intermediate_size": 5120, "num_hidden_layers": 32, "num_attention_heads": 16,
                    "image_size": 378, "patch_size": 14, "projection_dim": 1024, "hidden_act": "gelu"}
C_ABSTRACTOR_144 = {"type": "c_abstractor", "num_queries": 144, "hidden_size": 1024, "depth": 3, "mlp_depth": 2}


def mm1_3b_config(num_queries: int = 144, model_max_length: int = 4096) -> OmniConfig:
    return OmniConfig(
        llm_config=dict(LLAMA_3B), llm_name_or_path="openlm-research/open_llama_3b_v2",
        plugins={"vision_encoder": clip_vision_plugin(dict(CLIP_VIT_H14_378), "apple/DFN5B-CLIP-ViT-H-14-378",
                                                      projector={**C_ABSTRACTOR_144, "num_queries": num_queries})},
        model_max_length=model_max_length,
    )
