"""DreamLLM on the toy zoo (`python -m omni.zoo build toy`): toy LLaMA, toy CLIP, toy SD; the paper's three stages.

Each stage writes to work_dirs/toy/<stage> and the next starts from there, so the recipe needs no hand-edited paths:
  stage1_joint ─► stage2_igpt ─► stage3_sft                    (the recipe: scripts/toyworld_recipe.sh)
  stage1_comprehension ─┐
  stage1_creation ──────┴─► stage2_igpt (init_from, merge_from)  (the paper's stage I: two runs, the LLM frozen)
"""

from omni.config import LazyCall as L
from omni.models.dreamllm.presets import toy_zoo_dreamllm_config

from ..common import data, stages, training

_ZOO = "zoo/toy"
_RUNS = "work_dirs/toy"

model = dict(
    # the vision projector is LLaVA-1.5's two-layer MLP: with the toy LLM frozen in stage I, a linear one could not
    # make the image readable (docs/toyworld.md); DreamLLM's own linear condition projector is kept
    config=L(toy_zoo_dreamllm_config)(zoo_dir=_ZOO, num_queries=64, drop_prob=0.1, model_max_length=1024,
                                      projector="mlp2x_gelu",
                                      # noisy timesteps more often: where a shape goes is decided only there, and
                                      # uniform timesteps left created positions at chance (docs/toyworld.md)
                                      timestep_sampling="logit_normal", timestep_logit_mean=1.0),
    # each loss's weight, set here only (each stage sets its own): the paper's 1 : 10 (stage I joint, II, III)
    loss_weights={"lm": 1.0, "vm": 10.0},
    tokenizer_name_or_path=f"{_ZOO}/llama",
    init_from=None,
    merge_from=[],
)

__all__ = ["data", "model", "stages", "training", "_RUNS"]  # _RUNS: a private name, not a config key
