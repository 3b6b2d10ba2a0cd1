"""The run's length and batch in the papers' terms: `num_train_epochs` of the data mixture and a
`global_batch_size`, turned into `max_steps` and `gradient_accumulation_steps` for the world size at hand.

Papers state "one epoch of 665K at batch 128"; a cluster job has some number of GPUs. With these two options the same
config keeps the paper's schedule on 8 or on 128 GPUs: the accumulation fills the global batch, and the step count
follows from the epoch size, which is the sum of `data.sizes` when the mixture is given by sizes (DreamLLM's
`size_list`), else the sum of the datasets' registered sizes (`approx_size`, so an approximation of the files').
"""

from __future__ import annotations

import math

from omni.data.dataset_info import parse_size
from omni.train.arguments import Arguments


def epoch_samples(args: Arguments) -> int:
    """Samples in one epoch of the run's mixture."""
    if args.data.sizes is not None:
        return sum(parse_size(size) for size in args.data.sizes)
    from omni.data.constants import DataManager

    args.data.register_files()
    return sum(parse_size(DataManager.get(name).approx_size) for name in args.data.datasets)


def resolve_schedule(args: Arguments, world_size: int) -> list[str]:
    """Set `gradient_accumulation_steps` from `global_batch_size` and `max_steps` from `num_train_epochs` (in that
    order: the steps depend on the global batch); returns what was derived, for the log and the dry run."""
    training, notes = args.training, []
    if training.global_batch_size is not None:
        per_step = training.per_device_train_batch_size * world_size
        if training.global_batch_size % per_step:
            raise ValueError(f"training.global_batch_size={training.global_batch_size} is not a multiple of "
                             f"per_device_train_batch_size × world size = {training.per_device_train_batch_size} × "
                             f"{world_size}: change per_device_train_batch_size or the number of GPUs")
        training.gradient_accumulation_steps = training.global_batch_size // per_step
        notes.append(f"gradient_accumulation_steps = {training.global_batch_size} / ({training.per_device_train_batch_size}"
                     f" × {world_size}) = {training.gradient_accumulation_steps} (from global_batch_size)")
    if training.num_train_epochs is not None:
        if training.num_train_epochs <= 0:
            raise ValueError(f"training.num_train_epochs must be positive, got {training.num_train_epochs}")
        batch = training.per_device_train_batch_size * training.gradient_accumulation_steps * world_size
        samples = epoch_samples(args)
        training.max_steps = max(1, math.ceil(training.num_train_epochs * samples / batch))
        notes.append(f"max_steps = ⌈{training.num_train_epochs:g} epoch(s) × {samples:,} samples / {batch:,}⌉ = "
                     f"{training.max_steps:,} (from num_train_epochs)")
    return notes
