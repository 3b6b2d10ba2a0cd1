"""LLaVA-1.5 on the toy zoo (`python -m omni.zoo build toy`): toy LLaMA + toy CLIP + the `mlp2x_gelu` projector.

  stage1_pretrain (projector only, caption pairs) ─► stage2_finetune (LLM + projector, VQA chats and captions)
"""

from omni.config import LazyCall as L
from omni.models.presets import toy_zoo_vlm_config
from projects.llava.stages import STAGES as _STAGES

_ZOO = "zoo/toy"
_RUNS = "work_dirs/llava_toy"

stages = dict(_STAGES)

model = dict(
    config=L(toy_zoo_vlm_config)(zoo_dir=_ZOO, projector="mlp2x_gelu", model_max_length=512),
    loss_weights={"lm": 1.0},
    tokenizer_name_or_path=f"{_ZOO}/llama",
    init_from=None,
    merge_from=[],
)

data = dict(datasets=["toyworld_pairs"], weights=None, sizes=None, data_root=None, mode="comprehension",
            prompts=["Describe the image.", "What is in the picture?", "Write a caption for this image."],
            shuffle_buffer=1000, documents_as_instructions=False, batch_by_source=False, max_images_per_batch=None)

training = dict(
    output_dir=_RUNS, seed=42, max_steps=100, per_device_train_batch_size=8, gradient_accumulation_steps=1,
    learning_rate=2e-3, weight_decay=0.0, lr_scheduler_type="cosine", warmup_ratio=0.05, max_grad_norm=1.0,
    fsdp=True, bf16=False, dataloader_num_workers=1, logging_steps=1, save_steps=200, save_total_limit=1,
    report_to=["wandb"],
)

__all__ = ["data", "model", "stages", "training", "_RUNS"]
