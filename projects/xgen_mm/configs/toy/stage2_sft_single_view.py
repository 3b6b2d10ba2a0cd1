"""The any-resolution baseline: stage 2 exactly as `stage2_sft`, but every image is one 64 px view (a canvas is
resized whole), so the difference on the detail questions is what the crops buy."""

from .common import _RUNS, _model, stages
from .stage2_sft import data, training

model = _model(anyres=False)
model.update(merge_from=[f"{_RUNS}/stage1_pretrain"])
training.update(output_dir=f"{_RUNS}/stage2_sft_single_view", run_name="xgen_mm_toy_stage2_sft_single_view")

__all__ = ["data", "model", "stages", "training"]
