"""Training throughput and model FLOPs utilisation, in one process, against a matmul baseline run in the same process.

  python scripts/bench_train.py --data_root data [--config projects/dreamllm/configs/tiny/stage1_creation.py]
                                [--steps 30] [--warmup 5] [override ...]

Baseline: the FLOP/s of a large fp32 (or bf16) matmul on this device, the practical peak for dense work here. Then
the config's training loop twice (frozen plugins in fp32, then in bf16), reading the trainer's own metrics: step time,
tokens/s, images/s and TFLOP/s from counted FLOPs (omni.train.flops), so MFU is reported against the measured matmul
peak (and, on a known GPU, against its datasheet peak too). On a GPU add "training.bf16=true".

  python scripts/bench_train.py --packing --config projects/dreamllm/configs/toy/stage2_igpt.py --data_root data \
      "model.init_from='work_dirs/toy/stage1_comprehension'" "model.merge_from=[]"

`--packing`: the same config's loop with padded batches, then with packed ones (`data.packing=true`): the padding
fraction (pad tokens / all tokens) and the real (non-pad) tokens per second of each, and their ratio.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import torch
from omegaconf import OmegaConf

from omni.config import load_config
from omni.train.arguments import Arguments
from omni.train.flops import peak_flops
from omni.train.run import train


def matmul_flops(dtype: torch.dtype, size: int = 2048, repeats: int = 10) -> float:
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    a, b = (torch.randn(size, size, device=device, dtype=dtype) for _ in range(2))
    a @ b  # warm-up
    if device.type == "cuda":
        torch.cuda.synchronize()
    started = time.perf_counter()
    for _ in range(repeats):
        a @ b
    if device.type == "cuda":
        torch.cuda.synchronize()
    return 2 * size**3 * repeats / (time.perf_counter() - started)


def run(config: str, overrides: list[str], steps: int, warmup: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as out:
        args = OmegaConf.to_object(load_config(config, [*overrides, f"training.output_dir='{out}'",
                                                        f"training.max_steps={steps}", "training.report_to=[]",
                                                        "training.disable_tqdm=true", "training.save_steps=0"],
                                               Arguments))
        train(args)
        rows = [json.loads(line) for line in (Path(out) / "metrics.jsonl").read_text().splitlines()][warmup:]
    keys = ("step_time", "tokens_per_s", "images_per_s", "tflops_per_device", "padding_fraction")
    return {key: statistics.median(r[key] for r in rows) for key in keys}


def compare_packing(config: str, overrides: list[str], steps: int, warmup: int) -> None:
    results = {name: run(config, [*overrides, f"data.packing={flag}"], steps, warmup)
               for name, flag in (("padded", "false"), ("packed", "true"))}
    print(f"{config}: {steps} steps, medians after {warmup}")
    print(f"{'batches':<8} {'padding':>8} {'s/step':>8} {'real tokens/s':>14}")
    for name, r in results.items():
        print(f"{name:<8} {r['padding_fraction']:>8.1%} {r['step_time']:>8.3f} {r['tokens_per_s']:>14.0f}")
    ratio = results["packed"]["tokens_per_s"] / results["padded"]["tokens_per_s"]
    print(f"real tokens/s, packed / padded: {ratio:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="projects/dreamllm/configs/tiny/stage1_creation.py")
    parser.add_argument("--data_root", default="data")
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5, help="first steps left out of the medians")
    parser.add_argument("--packing", action="store_true", help="padded against packed batches instead")
    args, overrides = parser.parse_known_args()
    overrides = [f"data.data_root='{args.data_root}'", *overrides]
    if "tiny" in args.config:
        overrides.append(f"model.tokenizer_name_or_path='{args.data_root}/toyworld/tokenizer'")
    bf16 = any(o.replace(" ", "") == "training.bf16=true" for o in overrides)
    peak = matmul_flops(torch.bfloat16 if bf16 else torch.float32)
    datasheet = peak_flops(torch.device("cuda" if torch.cuda.is_available() else "cpu"))
    print(f"device: {torch.cuda.get_device_name() if torch.cuda.is_available() else 'cpu'}, "
          f"threads {torch.get_num_threads()}; matmul baseline {peak / 1e12:.3f} TFLOP/s")
    if args.packing:
        compare_packing(args.config, overrides, args.steps, args.warmup)
        return
    results = {name: run(args.config, [*overrides, f"training.frozen_dtype={dtype}"], args.steps, args.warmup)
               for name, dtype in (("frozen fp32", "float32"), ("frozen bf16", "bfloat16"))}
    print(f"{'run':<12} {'s/step':>8} {'tokens/s':>10} {'images/s':>9} {'TFLOP/s':>8} {'MFU vs matmul':>14}"
          + ("  MFU vs datasheet" if datasheet else ""))
    for name, r in results.items():
        line = (f"{name:<12} {r['step_time']:>8.3f} {r['tokens_per_s']:>10.0f} {r['images_per_s']:>9.1f} "
                f"{r['tflops_per_device']:>8.4f} {r['tflops_per_device'] * 1e12 / peak:>14.1%}")
        print(line + (f"  {r['tflops_per_device'] * 1e12 / datasheet:.1%}" if datasheet else ""))
    ratio = results["frozen bf16"]["step_time"] / results["frozen fp32"]["step_time"]
    print(f"step time ratio, frozen bf16 / fp32: {ratio:.2f}")


if __name__ == "__main__":
    main()
