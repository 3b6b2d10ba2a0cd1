"""MM1-3B-sized pretraining, stage 1 of the paper recipe (`configs/paper/`, one file per stage): `python -m omni
summary --config projects/mm1/configs/mm1_3b.py` prints its parameter table on the meta device."""

from .paper.stage1_pretrain import data, model, stages, training

__all__ = ["data", "model", "stages", "training"]
