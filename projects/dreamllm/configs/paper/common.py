"""DreamLLM-7B's three stages as the paper trained them: Vicuna-7B v1.1, CLIP ViT-L/14 at 224 px, SD 2.1-base at 512
px, 64 dream queries; data and hyper-parameters of the paper's Table 11 as the public DreamLLM configs set them
(RunpeiDong/DreamLLM, projects/dreamllm/configs: stage1, stage2, sft): 16 samples per GPU on 128 GPUs (a global batch
of 2,048, kept on any number of GPUs by gradient accumulation), one epoch of each stage's mixture (its sizes: the
samples drawn from each dataset), AdamW, cosine schedule with 0.3% warm-up, bf16, activation checkpointing.

Data by registry name (configs/datasets/*.yaml, under $OMNI_DATA_ROOT), weights by hub id (mapped to local folders by
$OMNI_MODEL_ZOO, configs/model_zoo.example.json). Each stage writes work_dirs/dreamllm_7b/<stage>; the next starts
from there:
  stage1_comprehension ─┐
  stage1_creation ──────┴─► stage2_igpt ─► stage3_sft
Check a stage before it runs: `python -m projects.dreamllm.train --config_file <stage>.py --dry_run --world_size 128`.
"""

from omni.config import LazyCall as L
from omni.models.dreamllm.presets import dreamllm_7b_config
from projects.dreamllm.stages import STAGES as _STAGES

_RUNS = "work_dirs/dreamllm_7b"
_MODEL = L(dreamllm_7b_config)(num_queries=64)

stages = dict(_STAGES)

model = dict(config=_MODEL, tokenizer_name_or_path="lmsys/vicuna-7b-v1.1", init_from=None, merge_from=[],
             loss_weights={"lm": 1.0, "vm": 10.0},
             expected_config=None)  # stages that start from a previous one set it to _MODEL (for the dry run)

data = dict(datasets=[], sizes=None, data_root=None, mode="comprehension", prompts=["Describe the image."],
            shuffle_buffer=10000, registry_files=[])

training = dict(
    output_dir=f"{_RUNS}/stage", seed=42, num_train_epochs=1.0, global_batch_size=2048, per_device_train_batch_size=16,
    learning_rate=2e-3, weight_decay=0.0, lr_scheduler_type="cosine", warmup_ratio=0.003, bf16=True,
    gradient_checkpointing=True, dataloader_num_workers=8, logging_steps=10, save_steps=2000, save_total_limit=3,
)

__all__ = ["data", "model", "stages", "training", "_MODEL", "_RUNS"]  # private names: not config keys
