"""DreamLLM-7B as in the paper: Vicuna-7B v1.1, CLIP ViT-L/14 (224 px), SD 2.1-base, 64 dream queries.

Weights load from local directories named through the model zoo (`omni.models.zoo`); `python -m omni summary` builds
this config on the meta device with none of them present. Stage I (comprehension) hyper-parameters by default.
"""

from omni.config import LazyCall as L
from omni.models.dreamllm.presets import dreamllm_7b_config
from projects.dreamllm.stages import STAGES as _STAGES

stages = dict(_STAGES)

model = dict(config=L(dreamllm_7b_config)(num_queries=64), loss_weights={"lm": 1.0, "vm": 10.0},
             tokenizer_name_or_path="lmsys/vicuna-7b-v1.1", init_from=None)

data = dict(datasets=["toyworld_pairs"], data_root=None, mode="comprehension", prompts=["Describe the image."],
            shuffle_buffer=10000)

training = dict(
    output_dir="work_dirs/dreamllm_7b_stage1", seed=42, max_steps=10000, per_device_train_batch_size=16,
    learning_rate=2e-3, lr_scheduler_type="cosine", warmup_ratio=0.003, bf16=True, gradient_checkpointing=True,
    trainable=_STAGES["stage1_comprehension"],
)
