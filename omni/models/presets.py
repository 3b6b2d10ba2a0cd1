"""Architecture presets any MLLM here composes: LLM, vision-tower, UNet and VAE configs, and plugin specs.

Plain dicts, so a config file or `omni summary` builds a model from them with no files at all; the tiny ones size
the same classes for CPU tests and the toy zoo.
"""

from __future__ import annotations

from typing import Any

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


def toy_zoo_vlm_config(zoo_dir: str = "zoo/toy", projector: str | dict[str, Any] = "mlp2x_gelu",
                       model_max_length: int = 512, conversation_template: str = "vicuna_v1.1",
                       pad_to_square: bool = False, image_size: int | None = None, tower: str = "clip",
                       anyres_grids: list[list[int]] | None = None, view_separator: bool = False) -> Any:
    """An LLM that reads images (LLaVA, MM1, xGen-MM at toy size): toy LLaMA + a toy vision tower from `zoo_dir`
    (`tower`: "clip", or "siglip" after `python -m omni.zoo build toy --with siglip`) and a connector (`projector`: any
    registered connector). A plain `OmniConfig`: no subclass, no head. `image_size` runs the tower at another
    resolution than it was trained at (its position embeddings interpolated); `anyres_grids` and `view_separator`
    turn on any-resolution views (`omni.models.plugins.anyres`).

    Architectures are read from the zoo's folders when this is instantiated (not when a config file is loaded)."""
    from transformers import AutoConfig

    from omni.models.base.configuration_omni import OmniConfig
    from omni.models.zoo import resolve_model_path

    llm = f"{zoo_dir}/llama"
    towers = {"clip": "clip_vision_embedding", "siglip": "siglip_vision_embedding"}
    if tower not in towers:
        raise ValueError(f"unknown toy vision tower {tower!r}: choose from {sorted(towers)}")
    vision = {"type": towers[tower], "model_name_or_path": f"{zoo_dir}/{tower}", "projector": projector,
              "pad_to_square": pad_to_square}
    if image_size is not None:
        vision["image_size"] = image_size
    if anyres_grids is not None:
        vision.update(anyres_grids=anyres_grids, view_separator=view_separator)
    return OmniConfig(
        llm_config=AutoConfig.from_pretrained(resolve_model_path(llm)).to_dict(), llm_name_or_path=llm,
        plugins={"vision_encoder": vision},
        model_max_length=model_max_length, conversation_template=conversation_template,
    )
