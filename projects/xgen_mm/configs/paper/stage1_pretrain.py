"""Pretraining: the Perceiver and the LLM on dense captions (BLIP3-KALE), web captions (DataComp-1B) and interleaved
documents (OBELICS), one view per image at 384 px. ~100B tokens: 95K steps of 512 sequences of 2,048 tokens; the
2 : 1 : 2 weights are ours (the paper's proportions are not public)."""

from omni.config import LazyCall as L
from projects.xgen_mm.presets import xgen_mm_phi3_config

from .common import _RUNS, data, model, stages, training

model.update(config=L(xgen_mm_phi3_config)(anyres=False))
data.update(datasets=["blip3_kale", "datacomp_1b", "obelics"], weights=[2.0, 1.0, 2.0])
training.update(output_dir=f"{_RUNS}/stage1_pretrain", run_name="xgen_mm_phi3_stage1_pretrain", num_train_epochs=None,
                max_steps=95_000, global_batch_size=512, per_device_train_batch_size=8, learning_rate=1e-4,
                warmup_ratio=0.02, trainable=stages["stage1_pretrain"])

__all__ = ["data", "model", "stages", "training"]
