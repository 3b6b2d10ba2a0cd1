"""Pretraining on MM1's 45:45:10 mixture: caption pairs, interleaved stories (their images as inputs, each before the
sentence it belongs to) and text-only documents; the LLM and the C-Abstractor train (the new connector faster)."""

from .common import _RUNS, data, model, stages, training

data.update(datasets=["toyworld_pairs", "toyworld_interleaved", "toyworld_text"], weights=[45.0, 45.0, 10.0],
            mode="comprehension", batch_by_source=True)
training.update(output_dir=f"{_RUNS}/stage1_pretrain", run_name="mm1_toy_stage1_pretrain", max_steps=600,
                learning_rate=3e-4, learning_rates={"plugins.vision_encoder.projector.*": 2e-3},
                trainable=stages["stage1_pretrain"])

__all__ = ["data", "model", "stages", "training"]  # model unchanged from common
