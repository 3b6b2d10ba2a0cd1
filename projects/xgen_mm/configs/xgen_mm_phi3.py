"""xGen-MM phi-3 any-resolution SFT at paper size (SigLIP so400m/14-384 frozen → Perceiver, 128 latents per view →
phi-3-mini-4k-instruct), stage 2 of the paper recipe (`configs/paper/`, one file per stage): `python -m omni summary
--config projects/xgen_mm/configs/xgen_mm_phi3.py` prints its parameter table on the meta device; the parts equal the
reference's (tests/test_xgen_mm.py)."""

from .paper.stage2_sft import data, model, stages, training

__all__ = ["data", "model", "stages", "training"]
