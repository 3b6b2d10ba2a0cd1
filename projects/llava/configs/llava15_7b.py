"""LLaVA-1.5-7B, stage 2 (visual instruction tuning) as in the paper: the LLM and projector train, CLIP is frozen.

Weights load from local directories named through the model zoo (`omni.models.zoo`); `python -m omni summary
--config projects/llava/configs/llava15_7b.py` builds it on the meta device with none of them present. Stage 1
(pretraining): `training.trainable=...` from `stages["stage1_pretrain"]`, lr 1e-3, batch 256, 1 epoch of LCS-558K.
"""

from omni.config import LazyCall as L
from projects.llava.presets import llava15_7b_config
from projects.llava.stages import STAGES as _STAGES

stages = dict(_STAGES)

model = dict(config=L(llava15_7b_config)(), loss_weights={"lm": 1.0}, tokenizer_name_or_path="lmsys/vicuna-7b-v1.5",
             init_from=None)

data = dict(datasets=["llava_v1_5_mix665k"], registry_files=["projects/llava/datasets.yaml"], data_root=None,
            mode="comprehension", shuffle_buffer=10000)

training = dict(
    output_dir="work_dirs/llava15_7b_finetune", seed=42, max_steps=5198, per_device_train_batch_size=16,
    learning_rate=2e-5, weight_decay=0.0, lr_scheduler_type="cosine", warmup_ratio=0.03, bf16=True,
    gradient_checkpointing=True, trainable=_STAGES["stage2_finetune"],
)
