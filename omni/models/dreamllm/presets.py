"""Model presets: the paper's DreamLLM-7B and small random-weight variants of the same classes.

The 7B preset names each part by its hub id (resolved through the model zoo when weights are loaded) and carries the
architectures inline, so it can be built on the `meta` device with no files at all (size planning, `omni summary`).
"""

from __future__ import annotations

from typing import Any

from omni.models.dreamllm.configuration_dreamllm import DreamLLMConfig

SD_SCHEDULER = {
    "num_train_timesteps": 1000, "beta_start": 0.00085, "beta_end": 0.012, "beta_schedule": "scaled_linear",
    "prediction_type": "epsilon", "clip_sample": False, "set_alpha_to_one": False, "steps_offset": 1,
}


def llama_config(hidden_size: int, num_layers: int, num_heads: int, intermediate_size: int, vocab_size: int,
                 max_position_embeddings: int = 2048, rms_norm_eps: float = 1e-6) -> dict[str, Any]:
    return {
        "model_type": "llama", "hidden_size": hidden_size, "num_hidden_layers": num_layers,
        "num_attention_heads": num_heads, "num_key_value_heads": num_heads, "intermediate_size": intermediate_size,
        "vocab_size": vocab_size, "max_position_embeddings": max_position_embeddings, "rms_norm_eps": rms_norm_eps,
        "tie_word_embeddings": False, "bos_token_id": 1, "eos_token_id": 2,
    }


def clip_vision_plugin(vision_config: dict[str, Any], model_name_or_path: str | None = None, **kwargs: Any) -> dict[str, Any]:
    return {"type": "clip_vision_embedding", "model_name_or_path": model_name_or_path, "vision_config": vision_config, **kwargs}


def dream_queries_plugin(num_queries: int = 64) -> dict[str, Any]:
    return {"type": "dream_queries", "num_queries": num_queries}


def stable_diffusion_plugin(unet_config: dict[str, Any] | None, vae_config: dict[str, Any] | None,
                            model_name_or_path: str | None = None, **kwargs: Any) -> dict[str, Any]:
    return {"type": "stable_diffusion_head", "model_name_or_path": model_name_or_path, "unet_config": unet_config,
            "vae_config": vae_config, "scheduler_config": dict(SD_SCHEDULER) if unet_config else None, **kwargs}


def tiny_unet_config(channels: tuple[int, ...] = (32, 64), cross_attention_dim: int = 64, sample_size: int = 16,
                     heads: int = 2, norm_num_groups: int = 16, first_attention_level: int = 0) -> dict[str, Any]:
    """A small SD-style UNet: cross-attention in every level but the last, from `first_attention_level` on (attention
    at full latent resolution is what costs most on a CPU)."""
    levels = len(channels)
    attends = [first_attention_level <= level < levels - 1 for level in range(levels)]
    return {
        "sample_size": sample_size, "in_channels": 4, "out_channels": 4, "layers_per_block": 1,
        "block_out_channels": list(channels),
        "down_block_types": ["CrossAttnDownBlock2D" if a else "DownBlock2D" for a in attends],
        "up_block_types": ["CrossAttnUpBlock2D" if a else "UpBlock2D" for a in reversed(attends)],
        "cross_attention_dim": cross_attention_dim, "attention_head_dim": heads, "norm_num_groups": norm_num_groups,
    }


def tiny_vae_config(channels: tuple[int, ...] = (16, 32, 64), sample_size: int = 64, norm_num_groups: int = 16) -> dict[str, Any]:
    return {
        "in_channels": 3, "out_channels": 3, "latent_channels": 4, "layers_per_block": 1,
        "block_out_channels": list(channels), "down_block_types": ["DownEncoderBlock2D"] * len(channels),
        "up_block_types": ["UpDecoderBlock2D"] * len(channels), "norm_num_groups": norm_num_groups,
        "sample_size": sample_size, "scaling_factor": 1.0,
    }


def tiny_clip_vision_config(hidden_size: int = 64, num_layers: int = 2, image_size: int = 64, patch_size: int = 16) -> dict[str, Any]:
    return {"hidden_size": hidden_size, "intermediate_size": hidden_size * 4, "num_hidden_layers": num_layers,
            "num_attention_heads": max(1, hidden_size // 32), "image_size": image_size, "patch_size": patch_size,
            "projection_dim": hidden_size}


def tiny_dreamllm_config(
    vocab_size: int = 1000, hidden_size: int = 64, num_layers: int = 2, num_heads: int = 4, num_queries: int = 8,
    vision_hidden_size: int = 32, vision_layers: int = 2, image_size: int = 64, patch_size: int = 16,
    unet_channels: tuple[int, ...] = (32, 64), vae_channels: tuple[int, ...] = (16, 32, 64), cross_attention_dim: int = 32,
    loss_weight_lm: float = 1.0, loss_weight_vm: float = 10.0, drop_prob: float = 0.1, model_max_length: int = 512,
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
        loss_weight_lm=loss_weight_lm, loss_weight_vm=loss_weight_vm, model_max_length=model_max_length,
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


def dreamllm_7b_config(loss_weight_lm: float = 1.0, loss_weight_vm: float = 10.0, num_queries: int = 64,
                       drop_prob: float = 0.0) -> DreamLLMConfig:
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
        loss_weight_lm=loss_weight_lm, loss_weight_vm=loss_weight_vm, model_max_length=2048,
    )


# ---- the toy zoo (python -m omni.zoo build toy) ---------------------------------------------------------------------
def toy_zoo_dreamllm_config(zoo_dir: str = "zoo/toy", num_queries: int = 64, loss_weight_lm: float = 1.0,
                            loss_weight_vm: float = 10.0, drop_prob: float = 0.1, model_max_length: int = 1024,
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
        loss_weight_lm=loss_weight_lm, loss_weight_vm=loss_weight_vm, model_max_length=model_max_length,
    )
