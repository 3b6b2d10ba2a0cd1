"""Supervised fine-tuning: VQA conversations and captions; the LLM and the C-Abstractor train, the ViT is frozen.
Starts from the pretraining run's folder (a loaded model keeps its config)."""

from .common import _RUNS, data, model, stages, training

model.update(config=None, init_from=f"{_RUNS}/stage1_pretrain")
data.update(datasets=["toyworld_vqa", "toyworld_pairs"], weights=[3.0, 1.0], mode="comprehension",
            batch_by_source=True)
training.update(output_dir=f"{_RUNS}/stage2_sft", run_name="mm1_toy_stage2_sft", max_steps=500,
                learning_rate=3e-4, trainable=stages["stage2_sft"])
