"""LLaVA-1.5 on the toy zoo (`python -m omni.zoo build toy`): toy LLaMA + toy CLIP + the `mlp2x_gelu` projector.

  stage1_pretrain (projector only, caption pairs) ─► stage2_finetune (LLM + projector, VQA chats and captions)
"""

from omni.config import LazyCall as L
from omni.models.presets import toy_zoo_vlm_config
from projects.llava.stages import STAGES as _STAGES
from projects.toy_defaults import toy_data, toy_model, toy_training

_ZOO = "zoo/toy"
_RUNS = "work_dirs/llava_toy"

stages = dict(_STAGES)

model = toy_model(L(toy_zoo_vlm_config)(zoo_dir=_ZOO, projector="mlp2x_gelu", model_max_length=512), _ZOO)
data = toy_data()
training = toy_training(_RUNS, learning_rate=2e-3)

__all__ = ["data", "model", "stages", "training", "_RUNS"]
