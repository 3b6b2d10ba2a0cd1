"""Supervised fine-tuning from the pretrained model: 10K steps of 256 samples (2,048 tokens), lr 2e-5, on LLaVA-1.5's
665K mixture, the public part of MM1's ~1.45M SFT set."""

from .common import _MODEL, _RUNS, data, model, stages, training

model.update(config=None, init_from=f"{_RUNS}/stage1_pretrain", expected_config=_MODEL)
data.update(datasets=["llava_v1_5_mix665k"])
training.update(output_dir=f"{_RUNS}/stage2_sft", run_name="mm1_3b_stage2_sft", max_steps=10_000, per_device_train_batch_size=4,
                global_batch_size=256, learning_rate=2e-5, weight_decay=0.0, warmup_ratio=0.03,
                trainable=stages["stage2_sft"])

__all__ = ["data", "model", "stages", "training"]
