"""Stage 2, visual instruction tuning: the LLM and the projector on the 665K mixture, global batch 128 (16 per GPU),
lr 2e-5: 5,198 steps. As LLaVA does (`--pretrain_mm_mlp_adapter`), it builds Vicuna and CLIP from their weights and
copies in the projector stage 1 trained (nothing else trained there)."""

from .common import _RUNS, data, model, stages, training

model.update(merge_from=[f"{_RUNS}/stage1_pretrain"])
data.update(datasets=["llava_v1_5_mix665k"])
training.update(output_dir=f"{_RUNS}/stage2_finetune", run_name="llava15_7b_stage2_finetune", global_batch_size=128,
                per_device_train_batch_size=16, learning_rate=2e-5, trainable=stages["stage2_finetune"])

__all__ = ["data", "model", "stages", "training"]
