"""MM1 on the toy zoo (`python -m omni.zoo build toy`): toy CLIP (64 px, patch 8: 8×8 patches) → C-Abstractor (4×4 =
16 tokens: MM1 pools 27×27 to 12×12, about the same 4–5× reduction) → toy LLaMA. At 2×2 = 4 tokens (16× fewer) the
toy model read shape and size but not colour or position (docs/projects.md).

  stage1_pretrain (45:45:10 pairs : interleaved stories : text) ─► stage2_sft (VQA chats and captions)
"""

from omni.config import LazyCall as L
from omni.models.presets import toy_zoo_vlm_config
from projects.mm1.stages import STAGES as _STAGES

_ZOO = "zoo/toy"
_RUNS = "work_dirs/mm1_toy"

stages = dict(_STAGES)

model = dict(
    config=L(toy_zoo_vlm_config)(zoo_dir=_ZOO, model_max_length=1024,
                                 projector={"type": "c_abstractor", "num_queries": 16, "hidden_size": 128, "depth": 2}),
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
    learning_rate=3e-4, weight_decay=0.0, lr_scheduler_type="cosine", warmup_ratio=0.05, max_grad_norm=1.0,
    fsdp=True, bf16=False, dataloader_num_workers=1, logging_steps=1, save_steps=200, save_total_limit=1,
    report_to=["wandb"],
)

__all__ = ["data", "model", "stages", "training", "_RUNS"]
