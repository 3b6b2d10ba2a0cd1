"""Stage 1, feature alignment: the projector alone on LCS-558K (BLIP captions as one-turn conversations), global
batch 256 (32 per GPU), lr 1e-3: 2,181 steps."""

from .common import _RUNS, data, model, stages, training

data.update(datasets=["llava_pretrain_558k"])
training.update(output_dir=f"{_RUNS}/stage1_pretrain", run_name="llava15_7b_stage1_pretrain", global_batch_size=256,
                per_device_train_batch_size=32, learning_rate=1e-3, trainable=stages["stage1_pretrain"])

__all__ = ["data", "model", "stages", "training"]
