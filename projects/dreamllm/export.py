"""Consolidate a training run's checkpoint into a `save_pretrained` folder: the model the run's config describes,
with the trained tensors of `checkpoint-N` (sharded by DCP, any number of processes) loaded in.

  python -m projects.dreamllm.export --run work_dirs/toy/stage2_pretrain --out exports/stage2-step300 --step 300

Frozen plugin backbones that have their own directory are referenced, not copied (`from_pretrained` loads them
from there); `--include_frozen` copies everything, for a folder that stands alone.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch
import torch.distributed.checkpoint as dcp
from torch.distributed.checkpoint.state_dict import StateDictOptions, get_model_state_dict, set_model_state_dict

from omni.config import LazyConfig
from omni.config.launch import to_dataclass
from omni.models.trainable import set_trainable
from omni.train.arguments import Arguments
from omni.train.checkpoint import CHECKPOINT_PATTERN, export_pretrained, list_checkpoints
from omni.train.run import prepare_model


def export_run(run: str | Path, out: str | Path, step: int | None = None, include_frozen: bool = False) -> Path:
    run = Path(run)
    if not (run / "config.yaml").is_file():
        raise FileNotFoundError(f"{run} has no config.yaml: give the output folder of a training run")
    checkpoints = {int(CHECKPOINT_PATTERN.match(p.name).group(1)): p for p in list_checkpoints(run)}
    if not checkpoints:
        raise FileNotFoundError(f"{run} has no checkpoint-<step> folders")
    if step is not None and step not in checkpoints:
        raise FileNotFoundError(f"{run} has no checkpoint-{step}; it has steps {sorted(checkpoints)}")
    checkpoint = checkpoints[step if step is not None else max(checkpoints)]
    args = to_dataclass(Arguments, LazyConfig.load(run / "config.yaml"))
    # checkpoints hold what trains; the rest is rebuilt as the run built it (random parts from the run's seed)
    torch.manual_seed(args.training.seed)
    model, tokenizer = prepare_model(args)
    set_trainable(model, args.training.trainable)
    options = StateDictOptions(ignore_frozen_params=True)
    state = {"model": get_model_state_dict(model, options=options)}
    dcp.load(state, checkpoint_id=str(checkpoint))  # only the model: the optimizer state stays on disk
    set_model_state_dict(model, state["model"], options=StateDictOptions(ignore_frozen_params=True, strict=False))
    export_pretrained(model, out, tokenizer, include_frozen=include_frozen)
    return checkpoint


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Export a DreamLLM training checkpoint as a save_pretrained folder")
    parser.add_argument("--run", required=True, help="the run's output folder (config.yaml, checkpoint-<step>/)")
    parser.add_argument("--out", required=True)
    parser.add_argument("--step", type=int, default=None, help="which checkpoint (default: the latest)")
    parser.add_argument("--include_frozen", action="store_true", help="copy frozen plugin backbones in too")
    args = parser.parse_args(argv)
    checkpoint = export_run(args.run, args.out, args.step, args.include_frozen)
    print(f"exported {checkpoint} to {args.out}")


if __name__ == "__main__":
    main()
