"""Any-resolution SFT, one epoch at global batch 128, lr 2e-5 (the Perceiver and the LLM train). The paper samples
~1M public instruction samples; LLaVA-1.5's 665K mixture is the registered public core of such a set (add yours to
data.datasets). A fresh any-resolution model with stage 1's trained Perceiver and LLM copied in (the parameters are
the same with and without any-resolution)."""

from .common import _RUNS, data, model, stages, training

model.update(merge_from=[f"{_RUNS}/stage1_pretrain"])
data.update(datasets=["llava_v1_5_mix665k"])
training.update(output_dir=f"{_RUNS}/stage2_sft", run_name="xgen_mm_phi3_stage2_sft", global_batch_size=128,
                learning_rate=2e-5, trainable=stages["stage2_sft"])

__all__ = ["data", "model", "stages", "training"]
