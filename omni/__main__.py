"""`python -m omni summary --config FILE [--json]`: build a config's model on the `meta` device and print its size.

No weights are read and no memory is allocated, so a paper-size model (DreamLLM-7B, LLaVA-1.5-7B, MM1-3B) is planned in
seconds. The model class is the one registered for the config's class (`omni.models.loading.model_class`).
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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="omni", description="Omni command-line tools")
    commands = parser.add_subparsers(dest="command", required=True)
    summary = commands.add_parser("summary", help="parameter and memory table of a config's model (meta device)")
    summary.add_argument("--config", required=True)
    summary.add_argument("--json", action="store_true")
    summary.add_argument("overrides", nargs="*", help="hydra-grammar overrides, e.g. model.config.num_queries=32")
    args = parser.parse_args(argv)
    if args.command == "summary":
        summary_command(args)


if __name__ == "__main__":
    main()
