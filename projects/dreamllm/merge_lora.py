"""Fold a LoRA run's adapters into the LLM and write one standalone DreamLLM folder (projectors, dream queries and
plugins included), loadable without peft or the run's config.

  python -m projects.dreamllm.merge_lora --model work_dirs/toy/stage3_sft_lora --out work_dirs/toy/stage3_sft_merged
"""

from __future__ import annotations

import argparse
from pathlib import Path

from omni.models.loading import build_model
from omni.models.lora import merge_lora


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Merge LoRA adapters into a standalone DreamLLM")
    parser.add_argument("--model", required=True, help="a LoRA run's output folder (its save_pretrained export)")
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    model, tokenizer = build_model(None, None, args.model)
    merge_lora(model)
    model.config.frozen_by_reference = None  # standalone: the frozen plugins are written in too, not referenced
    model.save_pretrained(args.out)
    tokenizer.save_pretrained(args.out)
    print(f"merged model written to {Path(args.out)}")


if __name__ == "__main__":
    main()
