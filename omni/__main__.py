"""Omni's command-line tools, for any project's models.

`python -m omni summary --config FILE [--json]`: build a config's model on the `meta` device and print its size. No
weights are read and no memory is allocated, so a paper-size model (DreamLLM-7B, LLaVA-1.5-7B, MM1-3B, xGen-MM) is
planned in seconds. The model class is the one registered for the config's class (`omni.models.loading.model_class`).

`python -m omni merge_lora --model RUN --out DIR`: fold a LoRA run's adapters into its LLM and write one standalone
folder (connectors, queries and every plugin included), which a later LoRA stage can start from.
"""

from __future__ import annotations

import argparse
import json
import sys

import torch


def summary_command(args: argparse.Namespace) -> None:
    from omni.config import LazyConfig, apply_overrides, instantiate
    from omni.models.loading import model_class
    from omni.models.summary import format_summary, summarize

    config = apply_overrides(LazyConfig.load(args.config), args.overrides)
    if "model" not in config or "config" not in config.model:
        raise SystemExit(f"{args.config} has no `model.config` to build")
    model_config = instantiate(config.model.config)
    with torch.device("meta"):
        model = model_class(model_config)(model_config)
    stages = instantiate(config.get("stages", {}))  # each stage's trainable patterns, reported side by side
    summary = summarize(model, stages)
    if args.json:
        json.dump(summary, sys.stdout, indent=1)
        print()
    else:
        print(f"{args.config}: built on the meta device (no weights)\n")
        print(format_summary(summary))


def merge_lora_command(args: argparse.Namespace) -> None:
    from omni.models.loading import build_model
    from omni.models.lora import merge_lora

    model, tokenizer = build_model(None, None, args.model)
    merge_lora(model)
    model.config.frozen_by_reference = None  # standalone: the frozen plugins are written in too, not referenced
    model.config.preference = None  # the merged model is a plain model; a preference stage sets its own
    model.save_pretrained(args.out)
    tokenizer.save_pretrained(args.out)
    print(f"merged model written to {args.out}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="omni", description="Omni command-line tools")
    commands = parser.add_subparsers(dest="command", required=True)
    summary = commands.add_parser("summary", help="parameter and memory table of a config's model (meta device)")
    summary.add_argument("--config", required=True)
    summary.add_argument("--json", action="store_true")
    summary.add_argument("overrides", nargs="*", help="hydra-grammar overrides, e.g. model.config.num_queries=32")
    merge = commands.add_parser("merge_lora", help="fold a LoRA run's adapters into a standalone model folder")
    merge.add_argument("--model", required=True, help="a LoRA run's output folder (its save_pretrained export)")
    merge.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    if args.command == "summary":
        summary_command(args)
    elif args.command == "merge_lora":
        merge_lora_command(args)


if __name__ == "__main__":
    main()
