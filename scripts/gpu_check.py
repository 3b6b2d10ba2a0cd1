"""The prepared GPU check (scripts/gpu_check.sh runs it; under 8 minutes on one GPU): figures to a JSON and a
Markdown file, recorded in docs/benchmarks.md with the machine.

What it measures, each in this one process:
1. the device, PyTorch, CUDA, transformers, whether flash-attn imports; a bf16 8192³ matmul (the practical peak);
2. a DreamLLM-shaped ~2.3B step (a 1.1B LLaMA, TinyLlama's shape, + CLIP ViT-L/14 at 224 px + SD 2.1's UNet and VAE
   at 512 px, 64 dream queries; random weights, nothing loaded), the LLM sharded by FSDP2 (`fully_shard` per decoder
   block, bf16 compute, fp32 master weights) on a world of one: step time, real tokens/s, TFLOP/s and MFU against the
   datasheet peak and against the matmul, peak memory; the batch mixes comprehension samples (256 image slots) and
   creation samples (a 64-query dream block and a 512-px target), of different lengths;
3. the same batch padded and packed (omni.data.packing), with SDPA, with flex attention (its block mask skips what
   other samples' blocks would cost) and, if flash-attn imports, flash-attention 2's varlen path: step time, real
   tokens/s, padding fraction, peak memory each.
`--smoke`: the same code at tiny sizes on whatever device is there (CPU), in seconds: the default test suite runs it
so that the script cannot rot between GPU sessions.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import platform
import statistics
import time
from pathlib import Path

import torch

from omni.constants import DREAM, DREAM_END, DREAM_START, IGNORE_INDEX, IM_END, IM_PATCH, IM_START
from omni.data.collator import DataCollator
from omni.data.packing import padding_fraction

LLAMA_1B = {"model_type": "llama", "hidden_size": 2048, "num_hidden_layers": 22, "num_attention_heads": 32,
            "num_key_value_heads": 4, "intermediate_size": 5632, "vocab_size": 32000, "max_position_embeddings": 2048,
            "rms_norm_eps": 1e-5, "tie_word_embeddings": False, "bos_token_id": 1, "eos_token_id": 2}


def model_config(smoke: bool, attn: str):
    from omni.models.dreamllm.presets import (
        CLIP_VIT_L14_224,
        SD21_BASE_UNET,
        SD21_VAE,
        dream_queries_plugin,
        tiny_dreamllm_config,
    )
    from omni.models.presets import clip_vision_plugin, stable_diffusion_plugin

    if smoke:
        config = tiny_dreamllm_config(vocab_size=512, model_max_length=256)
    else:
        from omni.models.dreamllm import DreamLLMConfig

        config = DreamLLMConfig(
            llm_config=dict(LLAMA_1B),
            plugins={"vision_encoder": clip_vision_plugin(dict(CLIP_VIT_L14_224)),
                     "dream_queries": dream_queries_plugin(64),
                     "diffusion_head": stable_diffusion_plugin(dict(SD21_BASE_UNET), dict(SD21_VAE), resolution=512)},
            model_max_length=2048)
    config.attn_implementation = attn
    return config


def make_samples(model, count: int, generator: torch.Generator) -> list[dict]:
    """Comprehension (an image then text) and creation (text then a dream block) samples of varied lengths, token ids
    laid out as the sequence builder lays them out; random text."""
    ids, vocab = model.config.special_token_ids, model.config.llm_config.vocab_size - len(model.config.special_token_ids)
    image_slots, queries = model.vision_encoder.num_tokens, model.dream_queries.num_queries
    resolution, size = model.diffusion_head.resolution, model.vision_encoder.backbone.config.image_size
    budget = model.config.model_max_length
    samples = []
    for i in range(count):
        text = int(torch.randint(16, max(17, budget // 3), (1,), generator=generator))
        words = torch.randint(3, vocab, (text,), generator=generator)
        if i % 2 == 0:
            head = torch.tensor([1, ids[IM_START], *[ids[IM_PATCH]] * image_slots, ids[IM_END]])
            input_ids = torch.cat([head, words, torch.tensor([2])])
            labels = torch.cat([torch.full((len(head),), IGNORE_INDEX), words, torch.tensor([2])])
            samples.append({"input_ids": input_ids, "labels": labels,
                            "pixel_values": torch.randn(1, 3, size, size, generator=generator)})
        else:
            block = torch.tensor([ids[DREAM], ids[DREAM_START], *[ids[IM_PATCH]] * queries, ids[DREAM_END]])
            input_ids = torch.cat([torch.tensor([1]), words, block, torch.tensor([2])])
            labels = torch.cat([torch.tensor([IGNORE_INDEX]), words, block[:2], torch.full((len(block) - 2,), IGNORE_INDEX),
                                torch.tensor([2])])
            samples.append({"input_ids": input_ids, "labels": labels,
                            "dream_pixel_values": torch.rand(1, 3, resolution, resolution, generator=generator) * 2 - 1})
    return samples


def build(smoke: bool, attn: str, device: torch.device, bf16: bool):
    import torch.distributed as dist

    from omni.models.dreamllm import DreamLLMForCausalLM
    from omni.models.trainable import set_trainable
    from omni.train.flops import measure
    from omni.train.fsdp import apply_fsdp, cast_frozen

    torch.manual_seed(0)
    model = DreamLLMForCausalLM.build(model_config(smoke, attn), load_pretrained=False)
    set_trainable(model, ["*"])  # stage II: everything but CLIP, the VAE and the UNet
    model.to(device)
    cast_frozen(model, torch.bfloat16 if bf16 else torch.float32)
    flops = measure(model)
    if not smoke:
        from omni.train import activation_checkpointing

        activation_checkpointing.enable(model.llm)
    if not dist.is_initialized():
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo", init_method="tcp://127.0.0.1:29533",
                                rank=0, world_size=1)
    apply_fsdp(model, device, bf16=bf16)
    model.train()
    return model, flops


def timed(model, batches: list[dict], device: torch.device, flops, warmup: int) -> dict:
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-5, fused=device.type == "cuda")
    times, work = [], []
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats()
    for batch in batches:
        batch = {k: v.to(device) if torch.is_tensor(v) else v for k, v in batch.items()}
        started = time.perf_counter()
        model(**batch).loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        if device.type == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - started)
        tokens = float(batch["attention_mask"].sum())
        work.append((tokens, flops.step(tokens, batch["input_ids"].shape[1], len(batch.get("pixel_values", ())),
                                        len(batch.get("dream_pixel_values", ())))))
    step = statistics.median(times[warmup:])
    tokens, step_flops = (statistics.median(w[i] for w in work[warmup:]) for i in (0, 1))
    return {"step_s": step, "tokens_per_s": tokens / step, "tflops": step_flops / step / 1e12,
            "padding_fraction": statistics.mean(padding_fraction(b["attention_mask"]) for b in batches),
            "peak_memory_gib": torch.cuda.max_memory_allocated() / 2**30 if device.type == "cuda" else None}


def matmul_tflops(device: torch.device, size: int) -> float:
    a, b = (torch.randn(size, size, device=device, dtype=torch.bfloat16) for _ in range(2))
    for _ in range(3):
        a @ b
    if device.type == "cuda":
        torch.cuda.synchronize()
    started = time.perf_counter()
    for _ in range(10):
        a @ b
    if device.type == "cuda":
        torch.cuda.synchronize()
    return 2 * size**3 * 10 / (time.perf_counter() - started) / 1e12


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="gpu_check")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, any device: checks the script itself")
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--batch", type=int, default=8, help="samples per step")
    options = parser.parse_args()
    import transformers

    from omni.train.flops import peak_flops

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    bf16 = device.type == "cuda"
    flash = importlib.util.find_spec("flash_attn") is not None
    figures = {"device": torch.cuda.get_device_name() if device.type == "cuda" else platform.processor() or "cpu",
               "torch": torch.__version__, "cuda": torch.version.cuda, "transformers": transformers.__version__,
               "flash_attn": flash, "smoke": options.smoke, "bf16": bf16, "samples_per_step": options.batch,
               "matmul_bf16_tflops": matmul_tflops(device, 512 if options.smoke else 8192)}
    datasheet = peak_flops(device)
    generator = torch.Generator().manual_seed(0)
    runs = {}
    # SDPA (a block-diagonal mask when packed), flex attention (a block mask: what training picks for packed batches
    # on a GPU without flash-attn, omni.models.base.llm.attention_for_packing), flash-attention 2 (varlen) if present
    gpu_kernels = ["flex_attention"] + (["flash_attention_2"] if flash else [])
    for attn in ["sdpa"] + (gpu_kernels if device.type == "cuda" else []):
        model, flops = build(options.smoke, attn, device, bf16)
        samples = [make_samples(model, options.batch, generator) for _ in range(options.steps)]
        pad_id = 0
        for packing in (False, True):
            collator = DataCollator(pad_id, pack_max_tokens=model.config.model_max_length if packing else None)
            result = timed(model, [collator(s) for s in samples], device, flops, options.warmup)
            result["mfu_datasheet"] = result["tflops"] * 1e12 / datasheet if datasheet else None
            result["mfu_matmul"] = result["tflops"] / figures["matmul_bf16_tflops"]
            runs[f"{attn}, {'packed' if packing else 'padded'}"] = result
            print(attn, "packed" if packing else "padded", json.dumps(result), flush=True)
        figures["parameters"] = sum(p.numel() for p in model.parameters())
        del model
        if device.type == "cuda":
            torch.cuda.empty_cache()
    figures["runs"] = runs
    out = Path(options.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "gpu_check.json").write_text(json.dumps(figures, indent=1))
    lines = [f"# GPU check: {figures['device']}, torch {figures['torch']} (CUDA {figures['cuda']}), transformers "
             f"{figures['transformers']}, flash-attn {'yes' if flash else 'no'}",
             f"matmul bf16: {figures['matmul_bf16_tflops']:.0f} TFLOP/s; model {figures['parameters']:,} parameters, "
             f"{options.batch} samples per step", "",
             "| run | s/step | real tokens/s | padding | TFLOP/s | MFU (datasheet) | MFU (matmul) | peak GiB |",
             "|---|---|---|---|---|---|---|---|"]
    for name, r in runs.items():
        mfu = f"{r['mfu_datasheet']:.1%}" if r["mfu_datasheet"] else "–"
        memory = f"{r['peak_memory_gib']:.1f}" if r["peak_memory_gib"] is not None else "–"
        lines.append(f"| {name} | {r['step_s']:.3f} | {r['tokens_per_s']:,.0f} | {r['padding_fraction']:.1%} | "
                     f"{r['tflops']:.1f} | {mfu} | {r['mfu_matmul']:.1%} | {memory} |")
    (out / "gpu_check.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
