"""The denoising objective every diffusion part trains with: timesteps, noise, target and loss weighting, in one place.

DreamLLM's SD head (score distillation through a frozen UNet) and the toy SD trainer (`omni.zoo.toy.sd`) share it, so
a knob that was measured to help one (noisier timesteps, min-SNR weighting) means the same in the other, and a second
diffusion head reuses it instead of copying the loss. The scheduler's own `add_noise` and `get_velocity` do the maths;
this class only chooses what to draw and how to weigh it.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from diffusers import DDPMScheduler
from diffusers.training_utils import compute_density_for_timestep_sampling

TIMESTEP_SAMPLING = ("uniform", "logit_normal")


class DiffusionObjective:
    """ε- or v-prediction MSE with a choice of timestep density and min-SNR-γ weighting (Hang et al., 2023).

    `timestep_sampling="logit_normal"` is SD3's density (a positive `timestep_logit_mean` leans toward noise, where a
    shape's place is decided); `min_snr_gamma` weighs each timestep by min(SNR, γ) / SNR, which takes weight off the
    nearly clean timesteps that otherwise dominate the gradient. Draws take an optional `generator`, so a trainer that
    keeps its own RNG stream (the toy zoo) is as reproducible as one that uses the global one (the trainer)."""

    def __init__(self, scheduler: DDPMScheduler, timestep_sampling: str = "uniform", timestep_logit_mean: float = 0.0,
                 timestep_logit_std: float = 1.0, min_snr_gamma: float | None = None, noise_offset: float = 0.0):
        if timestep_sampling not in TIMESTEP_SAMPLING:
            raise ValueError(f"timestep_sampling must be one of {TIMESTEP_SAMPLING}, got {timestep_sampling!r}")
        if min_snr_gamma is not None and min_snr_gamma <= 0:
            raise ValueError(f"min_snr_gamma must be positive (5 is the paper's), got {min_snr_gamma}")
        prediction_type = scheduler.config.prediction_type
        if prediction_type not in ("epsilon", "v_prediction"):
            raise ValueError(f"unsupported prediction_type {prediction_type!r}: expected 'epsilon' or 'v_prediction'")
        self.scheduler, self.prediction_type = scheduler, prediction_type
        self.timestep_sampling, self.timestep_logit_mean, self.timestep_logit_std = (
            timestep_sampling, timestep_logit_mean, timestep_logit_std)
        self.min_snr_gamma, self.noise_offset = min_snr_gamma, noise_offset

    @property
    def num_timesteps(self) -> int:
        return self.scheduler.config.num_train_timesteps

    def noise(self, latents: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """Gaussian noise like `latents`, plus the per-channel offset noise if configured."""
        noise = torch.randn_like(latents, generator=generator)  # in the latents' memory layout, as SD's trainers draw it
        if self.noise_offset:
            offset = torch.randn(latents.shape[0], latents.shape[1], 1, 1, generator=generator, dtype=latents.dtype,
                                 device=latents.device)
            noise = noise + self.noise_offset * offset
        return noise

    def timesteps(self, batch: int, device: torch.device | str = "cpu", generator: torch.Generator | None = None) -> torch.Tensor:
        """Training timesteps: uniform (SD, DreamLLM) or logit-normal (SD3)."""
        steps = self.num_timesteps
        if self.timestep_sampling == "uniform":
            return torch.randint(0, steps, (batch,), device=device, generator=generator)
        u = compute_density_for_timestep_sampling("logit_normal", batch, logit_mean=self.timestep_logit_mean,
                                                  logit_std=self.timestep_logit_std, device=device, generator=generator)
        return (u * steps).long().clamp(max=steps - 1)

    def noisy(self, latents: torch.Tensor, noise: torch.Tensor, timesteps: torch.Tensor) -> torch.Tensor:
        return self.scheduler.add_noise(latents, noise, timesteps)

    def target(self, latents: torch.Tensor, noise: torch.Tensor, timesteps: torch.Tensor) -> torch.Tensor:
        return noise if self.prediction_type == "epsilon" else self.scheduler.get_velocity(latents, noise, timesteps)

    def loss(self, prediction: torch.Tensor, target: torch.Tensor, timesteps: torch.Tensor) -> torch.Tensor:
        """Mean squared error in fp32, weighted per sample by min-SNR-γ when configured."""
        if self.min_snr_gamma is None:
            return F.mse_loss(prediction.float(), target.float())
        per_sample = F.mse_loss(prediction.float(), target.float(), reduction="none").mean(dim=tuple(range(1, prediction.dim())))
        return (per_sample * self.snr_weights(timesteps)).mean()

    def snr_weights(self, timesteps: torch.Tensor) -> torch.Tensor:
        alphas = self.scheduler.alphas_cumprod.to(timesteps.device)[timesteps]
        snr = alphas / (1 - alphas)
        clipped = torch.clamp(snr, max=self.min_snr_gamma)
        return clipped / (snr + 1) if self.prediction_type == "v_prediction" else clipped / snr
