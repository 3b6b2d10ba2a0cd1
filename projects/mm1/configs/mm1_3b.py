"""MM1-3B-sized pretraining: ViT-H/14 at 378 px → C-Abstractor 144 tokens → a ~3B LLM, on the 45:45:10
caption : interleaved : text mixture (register the datasets under these names). `python -m omni summary --config
projects/mm1/configs/mm1_3b.py` prints its parameter table on the meta device. MM1: batch 512, sequence 4096,
200K steps, AdamW, 2K warm-up then cosine (to 10%)."""

from omni.config import LazyCall as L
from projects.mm1.presets import mm1_3b_config
from projects.mm1.stages import STAGES as _STAGES

stages = dict(_STAGES)

model = dict(config=L(mm1_3b_config)(), loss_weights={"lm": 1.0},
             tokenizer_name_or_path="openlm-research/open_llama_3b_v2", init_from=None)

data = dict(datasets=["captions", "interleaved", "text"], weights=[45.0, 45.0, 10.0], data_root=None,
            mode="comprehension", shuffle_buffer=10000)

training = dict(
    output_dir="work_dirs/mm1_3b_pretrain", seed=42, max_steps=200_000, per_device_train_batch_size=8,
    learning_rate=1e-4, weight_decay=0.1, lr_scheduler_type="cosine", warmup_ratio=0.01, bf16=True,  # 2K of 200K
    gradient_checkpointing=True, trainable=_STAGES["stage1_pretrain"],
)
