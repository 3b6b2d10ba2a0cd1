"""Checkpoints: sharded trainer state through `torch.distributed.checkpoint`, and a `save_pretrained` export.

Trainer state (`checkpoint-<step>/`) holds only what trains (model and optimizer, via DCP, each rank writing its own
shards), the step and scheduler, every rank's RNG states and every rank's data position (where each loader worker's
stream stands, so the resumed run reads on from there). It is written to a temporary folder and renamed when
complete, so a run killed mid-save never resumes from half a checkpoint. The export is a plain
`save_pretrained` folder (safetensors + config + tokenizer) that `from_pretrained` and the inference CLI read.
"""

from __future__ import annotations

import json
import random
import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.distributed as dist
import torch.distributed.checkpoint as dcp
from torch.distributed.checkpoint.state_dict import (
    StateDictOptions,
    get_model_state_dict,
    get_optimizer_state_dict,
    set_model_state_dict,
    set_optimizer_state_dict,
)

from omni.utils.distributed import barrier, is_main_process

CHECKPOINT_PATTERN = re.compile(r"^checkpoint-(\d+)$")


def _rank() -> int:
    return dist.get_rank() if dist.is_initialized() else 0


def rng_state() -> dict[str, Any]:
    """RNG states as tuples, ints and tensors only, so that they load with `weights_only=True`."""
    name, keys, position, has_gauss, gauss = np.random.get_state()
    numpy_state = (name, torch.from_numpy(keys.astype(np.int64)), int(position), int(has_gauss), float(gauss))
    state = {"python": random.getstate(), "numpy": numpy_state, "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    random.setstate(state["python"])
    name, keys, position, has_gauss, gauss = state["numpy"]
    np.random.set_state((name, keys.numpy().astype(np.uint32), position, has_gauss, gauss))
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state(state["cuda"])


def _train_state(model: torch.nn.Module, optimizer: torch.optim.Optimizer) -> dict[str, Any]:
    options = StateDictOptions(ignore_frozen_params=True)
    return {"model": get_model_state_dict(model, options=options),
            "optim": get_optimizer_state_dict(model, optimizer, options=options)}


def list_checkpoints(output_dir: str | Path) -> list[Path]:
    found = [(int(m.group(1)), p) for p in Path(output_dir).glob("checkpoint-*")
             if p.is_dir() and (m := CHECKPOINT_PATTERN.match(p.name))]
    return [p for _, p in sorted(found)]


def save_checkpoint(output_dir: str | Path, step: int, model: torch.nn.Module, optimizer: torch.optim.Optimizer,
                    scheduler: Any, trainer_state: dict[str, Any], keep: int = 2,
                    data_state: dict[str, Any] | None = None) -> Path:
    output_dir = Path(output_dir)
    final = output_dir / f"checkpoint-{step}"
    tmp = output_dir / f".tmp-checkpoint-{step}"
    if is_main_process():
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
    barrier()
    dcp.save(_train_state(model, optimizer), checkpoint_id=str(tmp))
    torch.save(rng_state(), tmp / f"rng_rank{_rank()}.pt")
    if data_state is not None:
        (tmp / f"data_rank{_rank()}.json").write_text(json.dumps(data_state))
    if is_main_process():
        state = {**trainer_state, "step": step, "scheduler": scheduler.state_dict()}
        (tmp / "trainer_state.json").write_text(json.dumps(state, indent=1))
    barrier()
    if is_main_process():
        shutil.rmtree(final, ignore_errors=True)
        tmp.rename(final)
        for old in list_checkpoints(output_dir)[:-keep] if keep > 0 else []:
            shutil.rmtree(old, ignore_errors=True)
    barrier()
    return final


def load_checkpoint(path: str | Path, model: torch.nn.Module, optimizer: torch.optim.Optimizer, scheduler: Any) -> dict[str, Any]:
    path = Path(path)
    state = _train_state(model, optimizer)
    dcp.load(state, checkpoint_id=str(path))
    options = StateDictOptions(ignore_frozen_params=True, strict=False)
    set_model_state_dict(model, state["model"], options=options)
    set_optimizer_state_dict(model, optimizer, state["optim"], options=options)
    trainer_state = json.loads((path / "trainer_state.json").read_text())
    scheduler.load_state_dict(trainer_state.pop("scheduler"))
    rng_file = path / f"rng_rank{_rank()}.pt"
    if rng_file.exists():
        set_rng_state(torch.load(rng_file, weights_only=True))
    return trainer_state


def load_data_state(path: str | Path) -> dict[str, Any] | None:
    """This rank's data position in a checkpoint (None when it has none: an older checkpoint, or more ranks now)."""
    file = Path(path) / f"data_rank{_rank()}.json"
    return json.loads(file.read_text()) if file.is_file() else None


def _located(spec: dict[str, Any]) -> dict[str, Any]:
    """A plugin spec whose backbone directory, if given as a path relative to where training ran, is made absolute:
    an export that references its frozen backbones must find them from any working directory (a zoo name stays a
    name)."""
    path = spec.get("model_name_or_path")
    if path and not Path(path).expanduser().is_absolute() and Path(path).expanduser().is_dir():
        return {**spec, "model_name_or_path": str(Path(path).expanduser().resolve())}
    return spec


def export_pretrained(model: torch.nn.Module, output_dir: str | Path, tokenizer: Any = None,
                      include_frozen: bool = False) -> None:
    """Gather the full model on rank 0 and write a `save_pretrained` folder (safetensors).

    Frozen plugin backbones that have their own directory (`model_name_or_path`) are left out unless
    `include_frozen`: the config records them (`frozen_by_reference`) and `from_pretrained` loads them from there, so
    an export holds what training changed plus random-initialised parts, not a second copy of CLIP and SD."""
    full = get_model_state_dict(model, options=StateDictOptions(full_state_dict=True, cpu_offload=True))
    if is_main_process():
        by_reference = getattr(model, "frozen_state_by_reference", None)
        if by_reference is None:  # a model without plugins to reference
            model.save_pretrained(str(output_dir), state_dict=full)
        else:
            parts, keys = by_reference() if not include_frozen else ({}, set())
            previous, model.config.frozen_by_reference = model.config.frozen_by_reference, parts or None
            specs = model.config.plugins
            model.config.plugins = {name: _located(spec) if name in parts else spec for name, spec in specs.items()}
            try:
                model.save_pretrained(str(output_dir), state_dict={k: v for k, v in full.items() if k not in keys})
            finally:
                model.config.frozen_by_reference, model.config.plugins = previous, specs
        if tokenizer is not None:
            tokenizer.save_pretrained(str(output_dir))
    barrier()
