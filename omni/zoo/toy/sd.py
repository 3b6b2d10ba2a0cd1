"""Toy Stable Diffusion: a diffusers `UNet2DConditionModel` on the toy VAE's latents, conditioned on the toy CLIP
text encoder, saved as a `StableDiffusionPipeline` folder (unet/, vae/, scheduler/, text_encoder/, tokenizer/).

It is the SD recipe at toy scale, and the baseline DreamLLM is measured against: DreamLLM keeps this UNet and VAE
frozen and replaces the CLIP text states with its own dream-query states.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import torch
from diffusers import AutoencoderKL, DDIMScheduler, DDPMScheduler, StableDiffusionPipeline, UNet2DConditionModel
from transformers import AutoTokenizer, CLIPTextModel

from omni.models.plugins.diffusion_objective import DiffusionObjective
from omni.models.presets import SD_SCHEDULER, tiny_unet_config
from omni.zoo.toy.clip import encode_text
from omni.zoo.toy.common import fit, write_result
from omni.zoo.toy.data import PairTensors

# Three levels (16 → 8 → 4): the lowest level's convolutions see the whole latent, so the UNet can tell where it is
# and place a shape where the caption says; with two levels (32, 64) it learnt colour, size and shape but placed
# shapes at chance (2500 steps: position 11%, chance 11%). Cross-attention from the 8x8 level on: at 16x16 it
# doubled the step time (0.71 → 0.34 s at batch 32 on one CPU thread) for a 3x3 grid of positions.
# 5000 steps, not 3000: at 3000 it placed shapes right 48% of the time and its loss hardly depended on the
# caption's position (0.0114 right vs 0.0124 wrong), too weak a signal for DreamLLM's conditions to learn it.
_OBJECTIVE = {"lr": 1e-3, "timestep_sampling": "uniform", "timestep_logit_mean": 0.0, "min_snr_gamma": None, "ema_decay": None}
SCALES = {"full": {"channels": (32, 64, 64), "heads": 4, "attention_from": 1, "steps": 5000, "batch": 32, "latents": 12000,
                   **_OBJECTIVE},
          "tiny": {"channels": (16, 32), "heads": 2, "attention_from": 0, "steps": 10, "batch": 8, "latents": 400, **_OBJECTIVE}}
CAPTION_DROPOUT = 0.1


@torch.no_grad()
def encode_latents(vae: AutoencoderKL, data: PairTensors) -> torch.Tensor:
    # Posterior means: the toy VAE's posterior is wide (std about 0.7 against a latent spread of 0.8), and means make
    # a cleaner target; DreamLLM's head is told to encode its targets the same way (`latents="mode"`).
    chunks = [vae.encode(data.pixels(torch.arange(i, min(i + 256, len(data))))).latent_dist.mode()
              for i in range(0, len(data), 256)]
    return torch.cat(chunks) * vae.config.scaling_factor


def train_sd(train: PairTensors, clip_dir: str | Path, vae_dir: str | Path, out: str | Path, scale: str = "full",
             seed: int = 0, progress: bool = True, position: int = 0) -> dict[str, Any]:
    started, out = time.time(), Path(out)
    torch.manual_seed(seed)
    s = SCALES[scale]
    vae = AutoencoderKL.from_pretrained(vae_dir).eval()
    text_encoder = CLIPTextModel.from_pretrained(clip_dir).eval()
    tokenizer = AutoTokenizer.from_pretrained(str(clip_dir))
    train = train.subset(s["latents"])  # encoding is a one-off cost; more images than steps x batch / 8 add little
    latents = encode_latents(vae, train)
    captions = sorted(set(train.captions)) + [""]
    with torch.no_grad():
        states = text_encoder(encode_text(tokenizer, captions)).last_hidden_state
    caption_index = {c: i for i, c in enumerate(captions)}
    train_index = torch.tensor([caption_index[c] for c in train.captions])
    unet = UNet2DConditionModel(**tiny_unet_config(s["channels"], text_encoder.config.hidden_size, latents.shape[-1],
                                                   heads=s["heads"], norm_num_groups=16,
                                                   first_attention_level=s["attention_from"]))
    scheduler = DDPMScheduler.from_config(SD_SCHEDULER)
    objective = DiffusionObjective(scheduler, s["timestep_sampling"], s["timestep_logit_mean"], min_snr_gamma=s["min_snr_gamma"])
    generator = torch.Generator().manual_seed(seed + 1)

    def step(index: torch.Tensor) -> torch.Tensor:
        x0 = latents[index]
        noise = objective.noise(x0, generator)
        t = objective.timesteps(len(index), generator=generator)
        drop = torch.rand(len(index), generator=generator) < CAPTION_DROPOUT
        condition = states[torch.where(drop, len(captions) - 1, train_index[index])]
        prediction = unet(objective.noisy(x0, noise, t), t, encoder_hidden_states=condition).sample
        return objective.loss(prediction, objective.target(x0, noise, t), t)

    unet.train()
    losses = fit("sd-unet", list(unet.parameters()), step, len(train), s["batch"], s["steps"], s["lr"], seed, progress,
                 position, ema_decay=s["ema_decay"])
    pipeline = StableDiffusionPipeline(
        vae=vae, text_encoder=text_encoder, tokenizer=tokenizer, unet=unet.eval(),
        scheduler=DDIMScheduler.from_config(SD_SCHEDULER, clip_sample=False), safety_checker=None,
        feature_extractor=None, image_encoder=None, requires_safety_checker=False,
    )
    out.mkdir(parents=True, exist_ok=True)
    pipeline.save_pretrained(out)
    return write_result(out, {}, started, losses)
