"""Stage 2, visual instruction tuning: VQA conversations and captions (LLaVA-665K mixes both); the LLM and the
projector train, CLIP stays frozen. Starts from stage 1's folder (a loaded model keeps its config)."""

from .common import _RUNS, data, model, stages, training

model.update(config=None, init_from=f"{_RUNS}/stage1_pretrain")
data.update(datasets=["toyworld_vqa", "toyworld_pairs"], weights=[3.0, 1.0], mode="comprehension",
            batch_by_source=True)
training.update(output_dir=f"{_RUNS}/stage2_finetune", run_name="llava_toy_stage2_finetune", max_steps=500,
                learning_rate=3e-4, trainable=stages["stage2_finetune"])
