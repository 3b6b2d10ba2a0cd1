"""Stable Diffusion head plugin: a frozen UNet and VAE from diffusers, conditioned on the LLM through a projector.

Training: the dream-query hidden states, projected to the UNet's cross-attention width, replace the text encoder's
states; the loss is the usual diffusion MSE on the VAE latents of the target image (score distillation through a
frozen UNet). Sampling reuses diffusers' `StableDiffusionPipeline` with `prompt_embeds`, so any diffusers scheduler
works and nothing of the sampling loop is rewritten here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
from diffusers import AutoencoderKL, DDPMScheduler, UNet2DConditionModel
from diffusers.models.autoencoders.vae import DiagonalGaussianDistribution
from PIL import Image
from torch import nn

from omni.models.connectors.projectors import build_projector
from omni.models.feature_cache import FeatureCache, module_fingerprint
from omni.models.plugins.base import HeadPlugin, register_plugin
from omni.models.plugins.diffusion_objective import DiffusionObjective
from omni.models.zoo import resolve_model_path

SCHEDULERS = {
    "ddpm": "DDPMScheduler",
    "ddim": "DDIMScheduler",
    "dpm++": "DPMSolverMultistepScheduler",
    "euler": "EulerDiscreteScheduler",
    "euler_a": "EulerAncestralDiscreteScheduler",
    "pndm": "PNDMScheduler",
}


def _public(config: Any) -> dict[str, Any]:
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in dict(config).items() if not k.startswith("_")}


@register_plugin
class StableDiffusionHead(HeadPlugin):
    name = "stable_diffusion_head"

    def __init__(
        self,
        llm_hidden_size: int,
        model_name_or_path: str | None = None,
        unet_config: dict[str, Any] | None = None,
        vae_config: dict[str, Any] | None = None,
        scheduler_config: dict[str, Any] | None = None,
        resolution: int | None = None,
        projector_bias: bool = False,
        projector: str = "linear",
        drop_prob: float = 0.0,
        noise_offset: float = 0.0,
        min_snr_gamma: float | None = None,
        timestep_sampling: str = "uniform",
        timestep_logit_mean: float = 0.0,
        timestep_logit_std: float = 1.0,
        latents: str = "sample",
        freeze: bool = True,
    ):
        super().__init__()
        root = resolve_model_path(model_name_or_path) if model_name_or_path and None in (unet_config, vae_config, scheduler_config) else None
        if unet_config is None:
            unet_config = _public(UNet2DConditionModel.load_config(root, subfolder="unet"))
        if vae_config is None:
            vae_config = _public(AutoencoderKL.load_config(root, subfolder="vae"))
        if scheduler_config is None:
            scheduler_config = _public(DDPMScheduler.load_config(root, subfolder="scheduler")) if root else {}
        self.model_name_or_path = model_name_or_path
        self.unet = UNet2DConditionModel.from_config(unet_config)
        self.vae = AutoencoderKL.from_config(vae_config)
        self.noise_scheduler = DDPMScheduler.from_config(scheduler_config)
        # linear as in DreamLLM; an MLP lets a small LLM's states be reshaped into the text-encoder states the UNet knows
        self.condition_projector = build_projector(projector, llm_hidden_size, self.unet.config.cross_attention_dim,
                                                   bias=projector_bias)
        self.resolution = resolution or self.vae.config.sample_size
        self.freeze, self.drop_prob = freeze, drop_prob
        # Where the condition matters is a matter of noise level: a shape's place is decided only at high noise (at low
        # noise the noisy latent already shows it), so a head whose conditions must learn position can sample noisy
        # timesteps more often (SD3's logit-normal density, mean > 0 leans toward noise); uniform is DreamLLM's.
        self.objective = DiffusionObjective(self.noise_scheduler, timestep_sampling, timestep_logit_mean,
                                            timestep_logit_std, min_snr_gamma, noise_offset)
        if latents not in ("sample", "mode"):
            raise ValueError(f"latents must be 'sample' or 'mode', got {latents!r}")
        # Encode targets the way the frozen UNet was trained: SD samples the VAE posterior; a UNet trained on the
        # posterior mean (the toy zoo's) must see means too, or its inputs are off its training distribution.
        self.latents = latents
        self._pipelines: dict[str, Any] = {}  # sampling pipelines by scheduler name, built once
        self.latent_cache: FeatureCache | None = None  # use_feature_cache
        if freeze:
            self.freeze_backbones()

    def frozen_modules(self) -> dict[str, nn.Module]:
        return {"unet": self.unet, "vae": self.vae} if self.freeze else {}

    def use_feature_cache(self, root: str | Path) -> dict[str, FeatureCache]:
        """Cache the VAE's posterior of each target image (its mean and log-variance, not a sample: latents are still
        drawn anew every time, from the same random numbers, so training is unchanged)."""
        if not self.freeze:
            return {}
        self.latent_cache = FeatureCache(root, f"{self.name}-vae-posterior", module_fingerprint(self.vae))
        return {"vae_posterior": self.latent_cache}

    def load_pretrained(self) -> None:
        if self.model_name_or_path is None:
            return
        root = resolve_model_path(self.model_name_or_path)
        self.unet.load_state_dict(UNet2DConditionModel.from_pretrained(root, subfolder="unet").state_dict())
        self.vae.load_state_dict(AutoencoderKL.from_pretrained(root, subfolder="vae").state_dict())

    # ---- preprocessing -------------------------------------------------------------------------------------------
    def preprocess(self, images: list[Image.Image]) -> torch.Tensor:
        """Target images → [N, 3, R, R] in [-1, 1] (resize the short side, centre crop), as SD was trained."""
        tensors = []
        for image in images:
            image = image.convert("RGB")
            scale = self.resolution / min(image.size)
            w, h = max(self.resolution, round(image.width * scale)), max(self.resolution, round(image.height * scale))
            image = image.resize((w, h), Image.BICUBIC)
            left, top = (w - self.resolution) // 2, (h - self.resolution) // 2
            image = image.crop((left, top, left + self.resolution, top + self.resolution))
            array = np.asarray(image, dtype=np.float32) / 127.5 - 1.0
            tensors.append(torch.from_numpy(array).permute(2, 0, 1))
        return torch.stack(tensors)

    # ---- training ------------------------------------------------------------------------------------------------
    def condition(self, hidden_states: torch.Tensor) -> torch.Tensor:
        """Dream-query hidden states [N, Q, H] → UNet `encoder_hidden_states` [N, Q, cross_attention_dim]."""
        return self.condition_projector(hidden_states.to(next(self.condition_projector.parameters()).dtype))

    def loss(self, hidden_states: torch.Tensor, target_pixels: torch.Tensor) -> torch.Tensor:
        """Diffusion MSE of the frozen UNet conditioned on the projected dream-query states."""
        vae_dtype = next(self.vae.parameters()).dtype
        with torch.no_grad():
            pixels = target_pixels.to(vae_dtype)
            moments = (self.posterior_moments(pixels) if self.latent_cache is None
                       else self.latent_cache(pixels, self.posterior_moments))
            posterior = DiagonalGaussianDistribution(moments)
            latents = posterior.sample() if self.latents == "sample" else posterior.mode()
            latents = latents * self.vae.config.scaling_factor
        objective = self.objective
        noise = objective.noise(latents)
        timesteps = objective.timesteps(latents.shape[0], latents.device)
        noisy = objective.noisy(latents, noise, timesteps)
        unet_dtype = next(self.unet.parameters()).dtype
        condition = self.condition(hidden_states).to(unet_dtype)
        prediction = self.unet(noisy.to(unet_dtype), timesteps, encoder_hidden_states=condition).sample
        return objective.loss(prediction, objective.target(latents, noise, timesteps), timesteps)

    def posterior_moments(self, pixels: torch.Tensor) -> torch.Tensor:
        """The VAE posterior's parameters (mean and log-variance, stacked on channels) of target pixels."""
        return self.vae.encode(pixels).latent_dist.parameters

    # ---- sampling ------------------------------------------------------------------------------------------------
    def pipeline(self, scheduler: str = "ddim"):
        """A diffusers `StableDiffusionPipeline` over this head's UNet and VAE, with no text encoder of its own."""
        import diffusers
        from diffusers import StableDiffusionPipeline

        if scheduler in self._pipelines:
            return self._pipelines[scheduler]
        if scheduler not in SCHEDULERS:
            raise ValueError(f"unknown scheduler {scheduler!r}; choose one of {sorted(SCHEDULERS)}")
        scheduler_cls = getattr(diffusers, SCHEDULERS[scheduler])
        extra = {"clip_sample": False} if scheduler in ("ddim", "ddpm") else {}
        noise_scheduler = scheduler_cls.from_config(self.noise_scheduler.config, **extra)
        pipe = StableDiffusionPipeline(
            vae=self.vae, text_encoder=None, tokenizer=None, unet=self.unet, scheduler=noise_scheduler,
            safety_checker=None, feature_extractor=None, image_encoder=None, requires_safety_checker=False,
        )
        pipe.set_progress_bar_config(disable=True)
        self._pipelines[scheduler] = pipe
        return pipe

    @torch.no_grad()
    def sample(
        self,
        condition: torch.Tensor,
        null_condition: torch.Tensor | None,
        num_inference_steps: int = 25,
        guidance_scale: float = 3.0,
        scheduler: str = "ddim",
        generator: torch.Generator | None = None,
        guidance_rescale: float = 0.0,
    ) -> list[Image.Image]:
        """Images from projected conditions [N, Q, D]; `null_condition` is the unconditional branch of guidance.

        `guidance_rescale` (Lin et al. 2023, "Common Diffusion Noise Schedules and Sample Steps are Flawed") pulls
        the guided prediction's spread back toward the conditional one's, against over-exposure at high scales."""
        pipe = self.pipeline(scheduler)
        dtype = next(self.unet.parameters()).dtype
        return pipe(
            prompt_embeds=condition.to(dtype),
            negative_prompt_embeds=None if null_condition is None else null_condition.to(dtype),
            guidance_scale=guidance_scale if null_condition is not None else 1.0,
            guidance_rescale=guidance_rescale,
            num_inference_steps=num_inference_steps,
            height=self.resolution,
            width=self.resolution,
            generator=generator,
            output_type="pil",
        ).images

    def architecture(self) -> dict[str, Any]:
        return {"unet_config": _public(self.unet.config), "vae_config": _public(self.vae.config),
                "scheduler_config": _public(self.noise_scheduler.config), "resolution": self.resolution}
