"""xGen-MM phi-3 any-resolution multi-image SFT at paper size: SigLIP so400m/14-384 (frozen) → Perceiver (128 latents
per view) → phi-3-mini-4k-instruct, LLaVA-style JSON conversations (register yours under this name), lr 2e-5, cosine,
one epoch. `python -m omni summary --config projects/xgen_mm/configs/xgen_mm_phi3.py` prints its parameter table on
the meta device; the parts equal the reference's (tests/test_xgen_mm.py)."""

from omni.config import LazyCall as L
from projects.xgen_mm.presets import xgen_mm_phi3_config
from projects.xgen_mm.stages import STAGES as _STAGES

stages = dict(_STAGES)

model = dict(config=L(xgen_mm_phi3_config)(), loss_weights={"lm": 1.0},
             tokenizer_name_or_path="microsoft/Phi-3-mini-4k-instruct", init_from=None)

data = dict(datasets=["xgen_mm_sft"], data_root=None, mode="comprehension", shuffle_buffer=10000,
            max_images_per_batch=64)

training = dict(
    output_dir="work_dirs/xgen_mm_phi3_sft", seed=42, max_steps=10_000, per_device_train_batch_size=4,
    learning_rate=2e-5, weight_decay=0.0, lr_scheduler_type="cosine", warmup_ratio=0.03, bf16=True,
    gradient_checkpointing=True, trainable=_STAGES["stage2_sft"],
)
