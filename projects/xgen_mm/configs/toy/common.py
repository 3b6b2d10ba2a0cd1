"""xGen-MM on the toy zoo (`python -m omni.zoo build toy --with siglip`; the toy world with `--kinds detail multi`):
toy SigLIP (64 px, patch 8: 64 features, no CLS) → Perceiver resampler (16 latents per view, depth 2) → toy LLaMA,
any-resolution over xGen-MM's grids of 64 px views (a 128×128 canvas: a global view + 2×2 crops = 80 slots).

  stage1_pretrain (captions; single view) ─► stage2_sft (VQA, detail canvases, two-picture questions, captions;
  any-resolution)  and  stage2_sft_single_view (the same SFT with one view per image: the any-resolution baseline)
"""

from omni.config import LazyCall as L
from omni.models.plugins.anyres import XGEN_MM_GRIDS
from omni.models.presets import toy_zoo_vlm_config
from projects.toy_defaults import toy_data, toy_model, toy_training
from projects.xgen_mm.stages import STAGES as _STAGES

_ZOO = "zoo/toy"
_RUNS = "work_dirs/xgen_mm_toy"
_GRIDS = [list(grid) for grid in XGEN_MM_GRIDS]
_PERCEIVER = {"type": "perceiver", "num_latents": 16, "depth": 2, "dim_head": 32, "heads": 4}

stages = dict(_STAGES)


def _model(anyres: bool) -> dict:
    """The toy xGen-MM model entry, with or without any-resolution views."""
    return toy_model(L(toy_zoo_vlm_config)(zoo_dir=_ZOO, model_max_length=1024, tower="siglip", projector=_PERCEIVER,
                                           anyres_grids=_GRIDS if anyres else None), _ZOO)


model = _model(anyres=False)
data = toy_data()
training = toy_training(_RUNS, learning_rate=3e-4)

__all__ = ["data", "model", "stages", "training", "_RUNS", "_model"]
