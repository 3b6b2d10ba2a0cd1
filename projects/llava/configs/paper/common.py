"""LLaVA-1.5-7B's two stages as its paper and repository (haotian-liu/LLaVA, scripts/v1_5) train them: Vicuna-7B
v1.5, CLIP ViT-L/14 at 336 px (576 tokens), a two-layer MLP projector; one epoch each, AdamW, cosine with 3% warm-up,
no weight decay, bf16, activation checkpointing. The global batch (256, then 128) is kept on any number of GPUs by
gradient accumulation. Data by registry name (configs/datasets), weights by hub id ($OMNI_MODEL_ZOO):
  stage1_pretrain (projector on LCS-558K) ─► stage2_finetune (LLM + projector on the 665K mixture)
"""

from omni.config import LazyCall as L
from projects.llava.presets import llava15_7b_config
from projects.llava.stages import STAGES as _STAGES

_RUNS = "work_dirs/llava15_7b"

stages = dict(_STAGES)

model = dict(config=L(llava15_7b_config)(), loss_weights={"lm": 1.0}, tokenizer_name_or_path="lmsys/vicuna-7b-v1.5",
             init_from=None, merge_from=[])

data = dict(datasets=[], data_root=None, mode="comprehension", shuffle_buffer=10000)

training = dict(
    output_dir=f"{_RUNS}/stage", seed=42, num_train_epochs=1.0, weight_decay=0.0, lr_scheduler_type="cosine",
    warmup_ratio=0.03, bf16=True, gradient_checkpointing=True, dataloader_num_workers=4, logging_steps=10,
    save_steps=1000, save_total_limit=2,
)

__all__ = ["data", "model", "stages", "training", "_RUNS"]
