"""The shared denoising objective: timestep densities, min-SNR weights by hand, reproducible draws, the head's use."""

from __future__ import annotations

import pytest
import torch
from diffusers import DDPMScheduler

from omni.models.dreamllm.presets import SD_SCHEDULER
from omni.models.plugins.diffusion_objective import DiffusionObjective


@pytest.fixture
def scheduler():
    return DDPMScheduler.from_config(SD_SCHEDULER)


def test_logit_normal_timesteps_lean_toward_noise(scheduler):
    uniform = DiffusionObjective(scheduler).timesteps(4000, generator=torch.Generator().manual_seed(0)).float()
    noisy = DiffusionObjective(scheduler, "logit_normal", timestep_logit_mean=1.0).timesteps(
        4000, generator=torch.Generator().manual_seed(0)).float()
    assert 0 <= noisy.min() and noisy.max() <= 999
    assert abs(uniform.mean() - 500) < 30 and noisy.mean() > 650  # E[sigmoid(N(1, 1))] is about 0.70


def test_min_snr_weights_by_hand(scheduler):
    objective = DiffusionObjective(scheduler, min_snr_gamma=5.0)
    alphas = scheduler.alphas_cumprod
    t = torch.tensor([0, 999])
    snr = alphas[t] / (1 - alphas[t])
    assert snr[0] > 5 > snr[1]  # nearly clean at t = 0, nearly pure noise at t = 999
    weights = objective.snr_weights(t)
    assert torch.allclose(weights, torch.stack([5 / snr[0], torch.tensor(1.0)]))
    prediction, target = torch.zeros(2, 4, 2, 2), torch.ones(2, 4, 2, 2)
    prediction[1] = 3.0  # per-sample MSE 1 and 4
    assert torch.allclose(objective.loss(prediction, target, t), (1 * weights[0] + 4 * weights[1]) / 2)
    assert torch.allclose(DiffusionObjective(scheduler).loss(prediction, target, t), torch.tensor(2.5))


def test_draws_follow_their_generator(scheduler):
    objective = DiffusionObjective(scheduler, noise_offset=0.1)
    latents = torch.zeros(3, 4, 8, 8)
    draw = lambda: (objective.noise(latents, torch.Generator().manual_seed(3)),  # noqa: E731
                    objective.timesteps(3, generator=torch.Generator().manual_seed(3)))
    (n1, t1), (n2, t2) = draw(), draw()
    assert torch.equal(n1, n2) and torch.equal(t1, t2)
    assert n1.std() > 0.5


def test_bad_settings_are_refused(scheduler):
    with pytest.raises(ValueError, match="timestep_sampling"):
        DiffusionObjective(scheduler, "cosine")
    with pytest.raises(ValueError, match="min_snr_gamma"):
        DiffusionObjective(scheduler, min_snr_gamma=0)
    with pytest.raises(ValueError, match="prediction_type"):
        DiffusionObjective(DDPMScheduler.from_config({**SD_SCHEDULER, "prediction_type": "sample"}))
