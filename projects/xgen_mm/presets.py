"""xGen-MM (BLIP-3) phi-3 at paper size (Salesforce/xgen-mm-phi3-mini-instruct; salesforce/LAVIS branch xgen-mm):
SigLIP so400m/14 at 384 px (27×27 = 729 patches, last hidden state, mean/std 0.5) → Perceiver resampler (128
latents, depth 6, 16 heads of 96, feed-forward ×4, a linear to the LLM's width) per view → phi-3-mini-4k-instruct.

Any-resolution: grids 1×2, 2×1, 2×2, 3×1, 1×3 of 384 px, a global view and the crops, each resampled on its own
(a 2×2 image takes 5 × 128 = 640 slots), no separators. The image tokens take rows phi-3 already has: its
vocabulary is padded to 32,064 rows for 32,011 tokens, so `<im_start> <im_patch> <im_end>` get ids 32011-32013 (what
`attach_tokenizer` gives them with phi-3's tokenizer) and the LLM keeps the reference's size, as xGen-MM's
`<image>`, `<image placeholder>` and `<|endofchunk|>` do.
"""

from __future__ import annotations

from typing import Any

from omni.constants import IM_END, IM_PATCH, IM_START
from omni.models.base import OmniConfig
from omni.models.plugins.anyres import XGEN_MM_GRIDS

PHI3_MINI_4K = {
    "model_type": "phi3", "vocab_size": 32064, "hidden_size": 3072, "intermediate_size": 8192, "num_hidden_layers": 32,
    "num_attention_heads": 32, "num_key_value_heads": 32, "max_position_embeddings": 4096,
    "original_max_position_embeddings": 4096, "rms_norm_eps": 1e-5, "hidden_act": "silu", "rope_theta": 10000.0,
    "sliding_window": 2047, "tie_word_embeddings": False, "bos_token_id": 1, "eos_token_id": 32000,
    "pad_token_id": 32000,
}
PHI3_TOKENS = 32011  # phi-3's tokenizer: the rows after it are padding
SIGLIP_SO400M_384 = {"hidden_size": 1152, "intermediate_size": 4304, "num_hidden_layers": 27, "num_attention_heads": 16,
                     "image_size": 384, "patch_size": 14, "hidden_act": "gelu_pytorch_tanh", "layer_norm_eps": 1e-6}
PERCEIVER_128 = {"type": "perceiver", "num_latents": 128, "depth": 6, "dim_head": 96, "heads": 16, "ff_mult": 4}


def siglip_plugin(vision_config: dict[str, Any] | None, model_name_or_path: str | None, projector: dict[str, Any],
                  anyres: bool = True, **kwargs: Any) -> dict[str, Any]:
    return {"type": "siglip_vision_embedding", "model_name_or_path": model_name_or_path, "vision_config": vision_config,
            "projector": projector, "anyres_grids": [list(g) for g in XGEN_MM_GRIDS] if anyres else None, **kwargs}


def xgen_mm_phi3_config(anyres: bool = True, model_max_length: int = 2048) -> OmniConfig:
    return OmniConfig(
        llm_config=dict(PHI3_MINI_4K), llm_name_or_path="microsoft/Phi-3-mini-4k-instruct",
        plugins={"vision_encoder": siglip_plugin(dict(SIGLIP_SO400M_384), "google/siglip-so400m-patch14-384",
                                                 dict(PERCEIVER_128), anyres)},
        special_token_ids={token: PHI3_TOKENS + i for i, token in enumerate((IM_START, IM_PATCH, IM_END))},
        model_max_length=model_max_length, conversation_template="phi3",
    )
