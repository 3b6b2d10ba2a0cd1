"""Fold a LoRA run's adapters into the LLM and write one standalone DreamLLM folder (projectors, dream queries and
plugins included), loadable without peft or the run's config. The framework's tool, kept under this name for the
commands written before it moved (`python -m omni merge_lora` does the same for any model).

  python -m projects.dreamllm.merge_lora --model work_dirs/toy/stage3_sft_lora --out work_dirs/toy/stage3_sft_merged
"""

from __future__ import annotations

from omni.__main__ import main

if __name__ == "__main__":
    import sys

    main(["merge_lora", *sys.argv[1:]])
