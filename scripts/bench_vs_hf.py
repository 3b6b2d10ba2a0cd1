"""Omni's training step against the same step written with stock Hugging Face parts, in one process.

  python scripts/bench_vs_hf.py --config projects/dreamllm/configs/toy/stage2_igpt.py --data_root data \\
      "model.init_from='work_dirs/toy/stage1_joint'"

The stock step: transformers' `LlavaForConditionalGeneration` built from the same sub-configs (the LLM's, the CLIP
vision tower's, a two-layer GELU projector), holding the Omni model's weights, plus DreamLLM's part written as a user
of stock parts would: learned dream queries placed in `inputs_embeds`, the last hidden states at their slots through
a linear condition projector into the diffusers UNet, and the DDPM epsilon loss with the diffusers scheduler; the LM
loss as LLaVA computes it (logits at every position). Both steps: the same batches (one draw of the config's data),
the same trainable set (all but CLIP, VAE and UNet), AdamW, one process, the two steps alternating batch by
batch. Printed: the LM losses of the first batch
(they must agree: the same weights compute the same thing), each step's median time and the ratio.

Needs a config whose vision projector is `mlp2x_gelu` (LLaVA's) and a CLIP tower (the toy DreamLLM configs).
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
import torch.nn.functional as F
from omegaconf import OmegaConf
from torch import nn

from omni.config import load_config
from omni.constants import IM_PATCH
from omni.data.collator import DataCollator
from omni.train.arguments import Arguments
from omni.train.run import build_dataset, prepare_model


class StockDreamStep(nn.Module):
    """LLaVA from transformers plus DreamLLM's queries and diffusion loss from stock parts, with Omni's weights."""

    def __init__(self, omni: nn.Module):
        super().__init__()
        from transformers import LlavaConfig, LlavaForConditionalGeneration

        encoder, head = omni.vision_encoder, omni.diffusion_head
        projector = [p for p in encoder.projector.parameters()]
        if len(projector) != 4:
            raise ValueError("the stock step needs LLaVA's two-layer projector (projector='mlp2x_gelu')")
        config = LlavaConfig(vision_config=encoder.backbone.config.to_dict(), text_config=omni.llm.config.to_dict(),
                             image_token_id=omni.config.special_token_ids[IM_PATCH], projector_hidden_act="gelu",
                             vision_feature_layer=encoder.select_layer, vision_feature_select_strategy="default",
                             image_seq_length=encoder.num_features)
        config.text_config.architectures = None
        self.llava = LlavaForConditionalGeneration(config)
        self.llava.model.language_model.load_state_dict(omni.llm.get_decoder().state_dict())
        self.llava.lm_head.load_state_dict(omni.llm.get_output_embeddings().state_dict())
        self.llava.model.vision_tower.load_state_dict(encoder.backbone.state_dict(), strict=False)
        mm = self.llava.model.multi_modal_projector
        with torch.no_grad():
            for target, source in zip((mm.linear_1.weight, mm.linear_1.bias, mm.linear_2.weight, mm.linear_2.bias),
                                      projector):
                target.copy_(source)
        self.queries = nn.Parameter(omni.dream_queries.embeddings.detach().clone())
        self.condition = nn.Linear(omni.llm.config.hidden_size, head.unet.config.cross_attention_dim, bias=False)
        self.condition.weight.data.copy_(head.condition_projector.weight.detach())
        self.unet, self.vae, self.scheduler = head.unet, head.vae, head.noise_scheduler
        self.slot_masks, self.vm_weight = omni.slot_masks, omni.config.loss_weight_vm
        for frozen in (self.llava.model.vision_tower, self.unet, self.vae):
            frozen.requires_grad_(False)

    def forward(self, input_ids, attention_mask, labels, pixel_values=None, dream_pixel_values=None, **_):
        slots = self.slot_masks(input_ids)
        embeds = self.llava.get_input_embeddings()(input_ids)
        if slots["queries"].any():
            count = int(slots["queries"].sum()) // self.queries.shape[0]
            embeds = embeds.masked_scatter(slots["queries"].unsqueeze(-1), self.queries.repeat(count, 1))
        out = self.llava(inputs_embeds=embeds, pixel_values=pixel_values, attention_mask=attention_mask, labels=labels,
                         output_hidden_states=True)
        loss, lm = out.loss, out.loss.detach()
        if dream_pixel_values is not None and slots["queries"].any():
            hidden = out.hidden_states[-1][slots["queries"]].reshape(-1, self.queries.shape[0], embeds.shape[-1])
            with torch.no_grad():
                latents = self.vae.encode(dream_pixel_values).latent_dist.sample() * self.vae.config.scaling_factor
            noise = torch.randn_like(latents)
            steps = torch.randint(0, self.scheduler.config.num_train_timesteps, (latents.shape[0],))
            prediction = self.unet(self.scheduler.add_noise(latents, noise, steps), steps,
                                   encoder_hidden_states=self.condition(hidden)).sample
            loss = loss + self.vm_weight * F.mse_loss(prediction.float(), noise.float())
        return loss, lm


def timed_steps(steps: dict, batches: list[dict]) -> dict[str, list[float]]:
    """Each batch through each step in turn (AdamW on each one's trainable parameters): the two see the same load
    on the machine, batch by batch."""
    optimizers = {name: torch.optim.AdamW([p for p in params if p.requires_grad], lr=1e-5)
                  for name, (_, params) in steps.items()}
    times: dict[str, list[float]] = {name: [] for name in steps}
    for batch in batches:
        for name, (loss_of, _) in steps.items():
            started = time.perf_counter()
            loss_of(batch).backward()
            optimizers[name].step()
            optimizers[name].zero_grad(set_to_none=True)
            times[name].append(time.perf_counter() - started)
    return times


def compare(config: str, data_root: str, overrides: list[str], steps: int = 12, warmup: int = 2) -> dict[str, float]:
    """The first batch's LM loss under both steps, each step's median seconds (after `warmup`) and the batches'
    padding: Omni / stock speed is `stock_s / omni_s`."""
    args = OmegaConf.to_object(load_config(config, [f"data.data_root='{data_root}'", *overrides], Arguments))
    torch.manual_seed(0)
    model, tokenizer = prepare_model(args)
    from omni.models.trainable import set_trainable

    set_trainable(model, args.training.trainable)
    collator = DataCollator(tokenizer.pad_token_id, args.data.max_images_per_batch)
    stream = iter(build_dataset(args, model, tokenizer))
    size = args.training.per_device_train_batch_size
    batches = [collator([next(stream) for _ in range(size)]) for _ in range(steps)]
    for batch in batches:
        batch.pop("data_position", None)
    stock = StockDreamStep(model)
    model.train(), stock.train()
    with torch.no_grad():
        ours = float(model(**batches[0]).metrics["lm_loss"])
        _, theirs = stock(**batches[0])
    times = timed_steps({"omni": (lambda b: model(**b).loss, list(model.parameters())),
                         "stock": (lambda b: stock(**b)[0], list(stock.parameters()))}, batches)
    omni_s, stock_s = (statistics.median(times[name][warmup:]) for name in ("omni", "stock"))
    padding = statistics.mean(1 - float(b["attention_mask"].sum()) / b["attention_mask"].numel() for b in batches)
    return {"omni_lm_loss": ours, "stock_lm_loss": float(theirs), "omni_s": omni_s, "stock_s": stock_s,
            "padding": padding, "batch_size": size, "steps": steps}


def report(config: str, result: dict[str, float]) -> None:
    print(f"first batch LM loss: Omni {result['omni_lm_loss']:.6f}, stock {result['stock_lm_loss']:.6f}")
    print(f"{config}: {result['steps']} batches of {result['batch_size']} (padding {result['padding']:.1%}), "
          f"threads {torch.get_num_threads()}")
    print(f"Omni step {result['omni_s']:.3f} s, stock Hugging Face step {result['stock_s']:.3f} s: "
          f"Omni / stock speed {result['stock_s'] / result['omni_s']:.2f}×")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="projects/dreamllm/configs/toy/stage2_igpt.py")
    parser.add_argument("--data_root", default="data")
    parser.add_argument("--steps", type=int, default=12)
    parser.add_argument("--warmup", type=int, default=2)
    options, overrides = parser.parse_known_args()
    report(options.config, compare(options.config, options.data_root, overrides, options.steps, options.warmup))


if __name__ == "__main__":
    main()
