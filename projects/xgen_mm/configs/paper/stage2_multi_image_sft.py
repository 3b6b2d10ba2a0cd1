"""Interleaved multi-image SFT: Mantis-Instruct's multi-image conversations with a share of the single-image SFT
data (1 : 1 here) so that the model keeps its single-image skills, one epoch of 1.4M samples at global batch 128,
lr 2e-5."""

from .common import _MODEL, _RUNS, data, model, stages, training

model.update(config=None, init_from=f"{_RUNS}/stage2_sft", expected_config=_MODEL)
data.update(datasets=["mantis_instruct", "llava_v1_5_mix665k"], sizes=["721K", "665K"])
training.update(output_dir=f"{_RUNS}/stage2_multi_image_sft", run_name="xgen_mm_phi3_stage2_multi_image_sft",
                global_batch_size=128, learning_rate=2e-5, trainable=stages["stage2_sft"])

__all__ = ["data", "model", "stages", "training"]
