"""Any-resolution multi-image SFT: VQA, detail canvases, two-picture questions and captions, a global view and the
crops of each image's best grid; starts from a fresh any-resolution model with stage 1's trained Perceiver and LLM
merged in (the parameters are the same with and without any-resolution)."""

from .common import _RUNS, _model, data, stages, training

model = _model(anyres=True)
model.update(merge_from=[f"{_RUNS}/stage1_pretrain"])
data.update(datasets=["toyworld_vqa", "toyworld_detail", "toyworld_multi", "toyworld_pairs"],
            weights=[2.0, 2.0, 2.0, 1.0], mode="comprehension", batch_by_source=True, max_images_per_batch=64)
training.update(output_dir=f"{_RUNS}/stage2_sft", run_name="xgen_mm_toy_stage2_sft", max_steps=1600,
                trainable=stages["stage2_sft"])

__all__ = ["data", "model", "stages", "training"]
