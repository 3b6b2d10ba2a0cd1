"""Training throughput and model FLOPs utilisation, in one process, against a matmul baseline run in the same process.

  python scripts/bench_train.py --data_root data [--config projects/dreamllm/configs/tiny/stage1_creation.py]
                                [--steps 30] [--warmup 5] [override ...]

Baseline: the FLOP/s of a large fp32 (or bf16) matmul on this device, the practical peak for dense work here. Then
the config's training loop twice (frozen plugins in fp32, then in bf16), reading the trainer's own metrics: step time,
tokens/s, images/s and TFLOP/s from counted FLOPs (omni.train.flops), so MFU is reported against the measured matmul
peak (and, on a known GPU, against its datasheet peak too). On a GPU add "training.bf16=true".

  python scripts/bench_train.py --packing --config projects/dreamllm/configs/toy/stage2_igpt.py --data_root data \
      "model.init_from='work_dirs/toy/stage1_joint'"

`--packing`: the same config's loop with padded batches, then with packed ones (`data.packing=true`) through
transformers' block-diagonal mask, through the kernel packed training picks (per-sample SDPA on a CPU), then packed
into rows no wider than the longest sample (`data.pack_to_longest=true`): the padding fraction (pad tokens / all
tokens) and the real (non-pad) tokens per second of each, and their ratio.

  python scripts/bench_train.py --suite --runs work_dirs/toy --data_root data [--steps 30] [--out suite.json]

`--suite`: issue 16's figures in one process: padded against packed on the toy stage II mixture (stories and pairs)
and the toy stage III mixture (VQA, instructions, instruction stories, chats), started from a toy recipe's stage I and
stage II outputs under `--runs`; the frozen-feature cache (none, cold, warm) on toy stage I comprehension and
creation (the zoo named in `--runs`'s recipe.json); each LLM block compiled against eager on stage II; then Omni's
stage II step against the same step from stock Hugging Face parts (`scripts/bench_vs_hf.py`), same batches,
alternating.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import tempfile
import time
from pathlib import Path

import torch
from omegaconf import OmegaConf

import omni.train.run as run_module
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
    figures = {key: statistics.median(r[key] for r in rows) for key in keys}
    # batches of different sizes: the median step and the median tokens/s come from different steps, so the ratio of
    # two loops' speeds is taken from all their tokens over all their seconds
    figures["tokens_per_s_overall"] = (sum(r["tokens_per_s"] * r["step_time"] for r in rows)
                                       / sum(r["step_time"] for r in rows))
    return figures


@contextlib.contextmanager
def transformers_block_mask():
    """Packed rows through transformers' own fallback (SDPA with a dense block-diagonal mask) instead of the kernel
    `attention_for_packing` picks: the baseline the per-sample CPU attention is measured against."""
    chosen = run_module.attention_for_packing
    run_module.attention_for_packing = lambda configured, device, *args: configured
    try:
        yield
    finally:
        run_module.attention_for_packing = chosen


PACKING = {"padded": ["data.packing=false"], "packed, block mask": ["data.packing=true"],
           "packed": ["data.packing=true"], "packed ≤ longest": ["data.packing=true", "data.pack_to_longest=true"]}


def compare_packing(config: str, overrides: list[str], steps: int, warmup: int,
                    repeats: int = 1) -> dict[str, dict[str, float]]:
    """Padded batches, then packed rows three ways: through transformers' block-diagonal mask, through the kernel
    training picks (`attention_for_packing`: per-sample SDPA on a CPU, varlen on a GPU), and in rows no wider than
    the longest sample. With `repeats`, the four runs go round that many times, alternating, and each figure is the
    median over the rounds: a shared machine drifts by more than the differences measured here."""
    rounds: dict[str, list[dict[str, float]]] = {name: [] for name in PACKING}
    for _ in range(repeats):
        for name, flags in PACKING.items():
            with transformers_block_mask() if name == "packed, block mask" else contextlib.nullcontext():
                rounds[name].append(run(config, [*overrides, *flags], steps, warmup))
    results = {name: {key: statistics.median(r[key] for r in runs) for key in runs[0]} for name, runs in rounds.items()}
    print(f"{config}: {steps} steps, medians after {warmup}" + (f", median of {repeats} rounds" if repeats > 1 else ""))
    print(f"{'batches':<19} {'padding':>8} {'s/step':>8} {'real tokens/s':>14}  (all tokens / all seconds)")
    for name, r in results.items():
        print(f"{name:<19} {r['padding_fraction']:>8.1%} {r['step_time']:>8.3f} {r['tokens_per_s_overall']:>14.0f}")
    padded = results["padded"]["tokens_per_s_overall"]
    for name in list(PACKING)[1:]:
        print(f"real tokens/s, {name} / padded: {results[name]['tokens_per_s_overall'] / padded:.2f}")
    return results


def compare(title: str, config: str, overrides: list[str], variants: dict[str, list[str]], steps: int,
            warmup: int) -> dict[str, dict[str, float]]:
    """The config's loop once per variant (its extra overrides), in order; "{dir}" in an override is one temporary
    folder that every variant shares (a cache the first fills and the next reads)."""
    with tempfile.TemporaryDirectory() as shared:
        results = {name: run(config, [*overrides, *(f.format(dir=shared) for f in flags)], steps, warmup)
                   for name, flags in variants.items()}
    base = next(iter(results.values()))
    print(f"{title} ({config}): {steps} steps, medians after {warmup}")
    for name, r in results.items():
        print(f"  {name:<20} {r['step_time']:>8.3f} s/step   speed vs {next(iter(results))}: "
              f"{base['step_time'] / r['step_time']:.2f}")
    return results


# the frozen-feature cache: an empty cache (every input encoded and written), then the same cache again over the same
# samples (every input read back), as a second epoch or a second run of the stage meets it
FEATURE_CACHE = {"no cache": [], "cold cache": ["training.feature_cache_dir='{dir}'"],
                 "warm cache": ["training.feature_cache_dir='{dir}'"]}
COMPILE = {"eager": [], "compiled per block": ["training.compile=true"]}

# the toy recipe's mixtures, each started from the outputs of the stages before it (scripts/toyworld_recipe.sh)
SUITE = {
    "stage II (stories + pairs)": ("projects/dreamllm/configs/toy/stage2_igpt.py",
                                   lambda runs: [f"model.init_from='{runs}/stage1_joint'"]),
    "stage III (VQA, instructions, stories, chats, pairs)": ("projects/dreamllm/configs/toy/stage3_sft.py",
                                                      lambda runs: [f"model.init_from='{runs}/stage2_igpt'"]),
}


def suite(runs: str, data_root: str, overrides: list[str], steps: int, warmup: int, out: str | None,
          repeats: int = 1) -> None:
    """Packing on both toy mixtures, the frozen-feature cache on both stage I configs, per-block compile on stage II,
    then Omni's stage II step against stock Hugging Face parts; a markdown table. The matmul baseline is skipped:
    these figures are ratios within the suite."""
    import bench_vs_hf  # beside this script (its folder is on sys.path when run as a script)

    figures: dict[str, object] = {}
    data = [f"data.data_root='{data_root}'", *overrides]
    for name, (config, stage_overrides) in SUITE.items():
        figures[name] = compare_packing(config, [*data, *stage_overrides(runs)], steps, warmup, repeats)
    zoo = json.loads((Path(runs) / "recipe.json").read_text())["zoo"]
    from_zoo = [f"model.config.zoo_dir='{zoo}'", f"model.tokenizer_name_or_path='{zoo}/llama'"]
    for stage in ("stage1_comprehension", "stage1_creation"):
        figures[f"feature cache, {stage}"] = compare(
            "frozen-feature cache", f"projects/dreamllm/configs/toy/{stage}.py", [*data, *from_zoo], FEATURE_CACHE,
            steps, warmup)
    config, stage_overrides = SUITE["stage II (stories + pairs)"]
    figures["compile, stage II"] = compare("per-block torch.compile", config, [*data, *stage_overrides(runs)], COMPILE,
                                           steps, warmup)
    config, stage_overrides = SUITE["stage II (stories + pairs)"]
    stock = bench_vs_hf.compare(config, data_root, [*overrides, *stage_overrides(runs)], steps=steps, warmup=warmup)
    bench_vs_hf.report(config, stock)
    figures["omni vs stock"] = stock
    print("\n| mixture | batches | padding | s/step | real tokens/s | vs padded |")
    print("|---|---|---|---|---|---|")
    for name in SUITE:
        padded = figures[name]["padded"]
        for variant, r in figures[name].items():
            print(f"| {name} | {variant} | {r['padding_fraction']:.1%} | {r['step_time']:.3f} | "
                  f"{r['tokens_per_s_overall']:,.0f} | {r['tokens_per_s_overall'] / padded['tokens_per_s_overall']:.2f} |")
    for name, results in figures.items():
        if name.startswith(("feature cache", "compile")):
            base = next(iter(results.values()))
            for variant, r in results.items():
                print(f"| {name} | {variant} | {r['step_time']:.3f} s/step | speed {base['step_time'] / r['step_time']:.2f} |")
    print(f"\nOmni {stock['omni_s']:.3f} s / step, stock {stock['stock_s']:.3f} s / step (stage II, padded batches of "
          f"{stock['batch_size']}): Omni / stock speed {stock['stock_s'] / stock['omni_s']:.2f}")
    if out:
        Path(out).write_text(json.dumps(figures, indent=1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="projects/dreamllm/configs/tiny/stage1_creation.py")
    parser.add_argument("--data_root", default="data")
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5, help="first steps left out of the medians")
    parser.add_argument("--packing", action="store_true", help="padded against packed batches instead")
    parser.add_argument("--repeats", type=int, default=1,
                        help="--packing, --suite: alternate the packing variants this many times, medians over them")
    parser.add_argument("--suite", action="store_true",
                        help="packing on the toy stage II and III mixtures and Omni against stock Hugging Face")
    parser.add_argument("--runs", default="work_dirs/toy", help="--suite: the toy recipe's outputs to start from")
    parser.add_argument("--out", default=None, help="--suite: also write the figures to this JSON file")
    args, overrides = parser.parse_known_args()
    if args.suite:
        suite(args.runs, args.data_root, overrides, args.steps, args.warmup, args.out, args.repeats)
        return
    overrides = [f"data.data_root='{args.data_root}'", *overrides]
    if "tiny" in args.config:
        overrides.append(f"model.tokenizer_name_or_path='{args.data_root}/toyworld/tokenizer'")
    bf16 = any(o.replace(" ", "") == "training.bf16=true" for o in overrides)
    peak = matmul_flops(torch.bfloat16 if bf16 else torch.float32)
    datasheet = peak_flops(torch.device("cuda" if torch.cuda.is_available() else "cpu"))
    print(f"device: {torch.cuda.get_device_name() if torch.cuda.is_available() else 'cpu'}, "
          f"threads {torch.get_num_threads()}; matmul baseline {peak / 1e12:.3f} TFLOP/s")
    if args.packing:
        compare_packing(args.config, overrides, args.steps, args.warmup, args.repeats)
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
