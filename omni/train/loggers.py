"""Metric sinks for the trainer: a JSONL file (always), wandb (offline unless told otherwise), TensorBoard, the console.

Only rank 0 writes. A metrics file per run is what tests, the loss-curve plot and reports read.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from omni.utils.logging import get_logger

logger = get_logger(__name__)


class MetricLogger:
    def __init__(self, output_dir: str | Path, report_to: list[str], run_name: str | None, config: dict[str, Any],
                 enabled: bool = True, resume_step: int = 0):
        self.enabled = enabled
        self.path = Path(output_dir) / "metrics.jsonl"
        self.wandb = None
        self.tensorboard = None
        if not enabled:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._truncate(resume_step)
        unknown = set(report_to) - {"wandb", "tensorboard", "none"}
        if unknown:
            raise ValueError(f"unknown report_to entries {sorted(unknown)}; supported: 'wandb', 'tensorboard', 'none' (or [])")
        if "tensorboard" in report_to:
            from torch.utils.tensorboard import SummaryWriter

            # `purge_step`: a resumed run drops the events a killed run wrote after its checkpoint, as the JSONL does
            self.tensorboard = SummaryWriter(log_dir=str(self.path.parent / "tensorboard"), purge_step=resume_step + 1)
        if "wandb" in report_to:
            os.environ.setdefault("WANDB_MODE", "offline")  # never phone home unless the user asks for it
            os.environ.setdefault("WANDB_SILENT", "true")
            import wandb

            self.wandb = wandb.init(project="omni", name=run_name, dir=str(self.path.parent), config=config,
                                    resume="allow")

    def _truncate(self, resume_step: int) -> None:
        """A run killed after its last checkpoint logged steps it will now redo: keep only steps up to the checkpoint,
        so the file holds each step once, as the uninterrupted run would."""
        if not self.path.exists():
            return
        kept = [line for line in self.path.read_text().splitlines()
                if line.strip() and json.loads(line).get("step", 0) <= resume_step]
        self.path.write_text("".join(line + "\n" for line in kept))

    def log(self, metrics: dict[str, Any], step: int) -> None:
        if not self.enabled:
            return
        with self.path.open("a") as f:
            f.write(json.dumps({"step": step, **metrics}) + "\n")
        if self.wandb is not None:
            self.wandb.log(metrics, step=step)
        if self.tensorboard is not None:
            for key, value in metrics.items():
                if isinstance(value, (int, float)):
                    self.tensorboard.add_scalar(f"train/{key}", value, step)

    def close(self) -> None:
        if self.tensorboard is not None:
            self.tensorboard.close()
            self.tensorboard = None
        if self.wandb is not None:
            self.wandb.finish()
            self.wandb = None
