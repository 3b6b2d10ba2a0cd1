"""Model presets: the paper's DreamLLM-7B and small random-weight variants of the same classes.

The 7B preset names each part by its hub id (resolved through the model zoo when weights are loaded) and carries the
architectures inline, so it can be built on the `meta` device with no files at all (size planning, `omni summary`).
"""

from __future__ import annotations

from typing import Any

from omni.models.dreamllm.configuration_dreamllm import DreamLLMConfig
from omni.models.presets import (  # noqa: F401  (re-exported: configs import the building blocks from here too)
    SD_SCHEDULER,
    clip_vision_plugin,
    llama_config,
    stable_diffusion_plugin,
    tiny_clip_vision_config,
    tiny_unet_config,
    tiny_vae_config,
)


def dream_queries_plugin(num_queries: int = 64) -> dict[str, Any]:
    return {"type": "dream_queries", "num_queries": num_queries}


def tiny_dreamllm_config(
    vocab_size: int = 1000, hidden_size: int = 64, num_layers: int = 2, num_heads: int = 4, num_queries: int = 8,
    vision_hidden_size: int = 32, vision_layers: int = 2, image_size: int = 64, patch_size: int = 16,
    unet_channels: tuple[int, ...] = (32, 64), vae_channels: tuple[int, ...] = (16, 32, 64), cross_attention_dim: int = 32,
    drop_prob: float = 0.1, model_max_length: int = 512,
) -> DreamLLMConfig:
    """A few-million-parameter DreamLLM with random weights: same classes as the 7B, sized for CPU tests."""
    latent = image_size // 2 ** (len(vae_channels) - 1)
    return DreamLLMConfig(
        llm_config=llama_config(hidden_size, num_layers, num_heads, hidden_size * 2 + hidden_size // 2 * 2, vocab_size,
                                max_position_embeddings=model_max_length),
        plugins={
            "vision_encoder": clip_vision_plugin(tiny_clip_vision_config(vision_hidden_size, vision_layers, image_size, patch_size)),
            "dream_queries": dream_queries_plugin(num_queries),
            "diffusion_head": stable_diffusion_plugin(
                tiny_unet_config(unet_channels, cross_attention_dim, latent),
                tiny_vae_config(vae_channels, image_size), resolution=image_size, drop_prob=drop_prob),
        },
        model_max_length=model_max_length,
    )


# ---- the paper's model (DreamLLM-7B, appendix C) -----------------------------------------------------------------
VICUNA_7B = llama_config(4096, 32, 32, 11008, 32000, max_position_embeddings=2048)
CLIP_VIT_L14_224 = {"hidden_size": 1024, "intermediate_size": 4096, "num_hidden_layers": 24, "num_attention_heads": 16,
                    "image_size": 224, "patch_size": 14, "projection_dim": 768, "hidden_act": "quick_gelu"}
SD21_BASE_UNET = {
    "sample_size": 64, "in_channels": 4, "out_channels": 4, "layers_per_block": 2,
    "block_out_channels": [320, 640, 1280, 1280],
    "down_block_types": ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"],
    "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"],
    "cross_attention_dim": 1024, "attention_head_dim": [5, 10, 20, 20], "use_linear_projection": True,
}
SD21_VAE = {
    "in_channels": 3, "out_channels": 3, "latent_channels": 4, "layers_per_block": 2,
    "block_out_channels": [128, 256, 512, 512], "down_block_types": ["DownEncoderBlock2D"] * 4,
    "up_block_types": ["UpDecoderBlock2D"] * 4, "norm_num_groups": 32, "sample_size": 768, "scaling_factor": 0.18215,
}


def dreamllm_7b_config(num_queries: int = 64, drop_prob: float = 0.0) -> DreamLLMConfig:
    """Vicuna-7B v1.1 + CLIP ViT-L/14 (224 px, 256 tokens) + SD 2.1-base (512 px) + 64 dream queries."""
    return DreamLLMConfig(
        llm_config=dict(VICUNA_7B),
        llm_name_or_path="lmsys/vicuna-7b-v1.1",
        plugins={
            "vision_encoder": clip_vision_plugin(dict(CLIP_VIT_L14_224), "openai/clip-vit-large-patch14"),
            "dream_queries": dream_queries_plugin(num_queries),
            "diffusion_head": stable_diffusion_plugin(dict(SD21_BASE_UNET), dict(SD21_VAE),
                                                      "stabilityai/stable-diffusion-2-1-base", resolution=512,
                                                      drop_prob=drop_prob),
        },
        model_max_length=2048,
    )


# ---- the toy zoo (python -m omni.zoo build toy) ---------------------------------------------------------------------
def toy_zoo_dreamllm_config(zoo_dir: str = "zoo/toy", num_queries: int = 64, drop_prob: float = 0.1, model_max_length: int = 1024,
                            projector: str = "linear", condition_projector: str = "linear",
                            condition_projector_bias: bool = False, timestep_sampling: str = "uniform",
                            timestep_logit_mean: float = 0.0, min_snr_gamma: float | None = None) -> DreamLLMConfig:
    """DreamLLM on the toy zoo: toy LLaMA, toy CLIP vision tower, toy SD UNet + VAE, all loaded from `zoo_dir`.

    Architectures are read from the zoo's folders when this is instantiated (not when a config file is loaded)."""
    from transformers import AutoConfig

    from omni.models.zoo import resolve_model_path

    llm = f"{zoo_dir}/llama"
    return DreamLLMConfig(
        llm_config=AutoConfig.from_pretrained(resolve_model_path(llm)).to_dict(),
        llm_name_or_path=llm,
        plugins={
            "vision_encoder": {"type": "clip_vision_embedding", "model_name_or_path": f"{zoo_dir}/clip", "projector": projector},
            "dream_queries": dream_queries_plugin(num_queries),
            # the toy SD was trained on VAE posterior means (omni.zoo.toy.sd), so targets are encoded the same way
            "diffusion_head": {"type": "stable_diffusion_head", "model_name_or_path": f"{zoo_dir}/sd", "drop_prob": drop_prob,
                               "latents": "mode", "projector": condition_projector, "projector_bias": condition_projector_bias,
                               "timestep_sampling": timestep_sampling, "timestep_logit_mean": timestep_logit_mean,
                               "min_snr_gamma": min_snr_gamma},
        },
        model_max_length=model_max_length,
    )
