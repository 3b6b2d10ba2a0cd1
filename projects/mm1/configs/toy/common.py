"""MM1 on the toy zoo (`python -m omni.zoo build toy`): toy CLIP (64 px, patch 8: 8×8 patches) → C-Abstractor (4×4 =
16 tokens: MM1 pools 27×27 to 12×12, about the same 4–5× reduction) → toy LLaMA. At 2×2 = 4 tokens (16× fewer) the
toy model read shape and size but not colour or position (docs/projects.md).

  stage1_pretrain (45:45:10 pairs : interleaved stories : text) ─► stage2_sft (VQA chats and captions)
"""

from omni.config import LazyCall as L
from omni.models.presets import toy_zoo_vlm_config
from projects.mm1.stages import STAGES as _STAGES
from projects.toy_defaults import toy_data, toy_model, toy_training

_ZOO = "zoo/toy"
_RUNS = "work_dirs/mm1_toy"

stages = dict(_STAGES)

model = toy_model(L(toy_zoo_vlm_config)(zoo_dir=_ZOO, model_max_length=1024,
                                        projector={"type": "c_abstractor", "num_queries": 16, "hidden_size": 128,
                                                   "depth": 2}), _ZOO)
data = toy_data()
training = toy_training(_RUNS, learning_rate=3e-4)

__all__ = ["data", "model", "stages", "training", "_RUNS"]
