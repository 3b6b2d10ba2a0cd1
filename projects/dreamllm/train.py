"""Train DreamLLM: `torchrun --nproc_per_node N -m projects.dreamllm.train --config_file FILE "k=v" ...`.

The run itself is the framework's (`omni.train.run`); DreamLLM is its configs (configs/) and its stage table."""

from __future__ import annotations

from omni.config import LazyLaunch
from omni.train.arguments import Arguments
from omni.train.dry_run import dry_run
from omni.train.run import build_dataset, prepare_model, train

__all__ = ["build_dataset", "prepare_model", "train"]

if __name__ == "__main__":
    LazyLaunch(train, Arguments, dry_run)
