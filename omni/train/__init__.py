"""Training: our own loop over FSDP2 with DCP checkpoints, exact resume and honest logging."""

from omni.train.trainer import Trainer
from omni.train.training_args import TrainingArguments

__all__ = ["Trainer", "TrainingArguments"]
