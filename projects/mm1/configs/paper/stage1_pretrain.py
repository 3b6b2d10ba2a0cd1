"""Pretraining: the connector and the LLM on captions : interleaved documents : text = 45 : 45 : 10, 200K steps of
512 sequences (4,096 tokens), lr 1e-4 with 2K warm-up steps (1%), weight decay 0.1."""

from .common import _RUNS, data, model, stages, training

data.update(datasets=["datacomp_1b", "obelics", "fineweb_edu"], weights=[45.0, 45.0, 10.0])
training.update(output_dir=f"{_RUNS}/stage1_pretrain", run_name="mm1_3b_stage1_pretrain", max_steps=200_000,
                global_batch_size=512, learning_rate=1e-4, warmup_ratio=0.01, trainable=stages["stage1_pretrain"])

__all__ = ["data", "model", "stages", "training"]
