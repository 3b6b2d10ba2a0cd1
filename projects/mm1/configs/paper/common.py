"""MM1-3B-sized recipe: ViT-H/14 at 378 px → C-Abstractor with 144 tokens → a ~3B LLM (open_llama_3b_v2 stands in
for MM1's own). MM1's pretraining: the 45 : 45 : 10 caption : interleaved : text mixture, batch 512 sequences of
4,096 tokens, 200K steps, AdamW, 2K warm-up then cosine; its SFT: ~1.45M samples, batch 256, 2,048 tokens, 10K steps.
MM1's own caption and interleaved data are not public: the public stand-ins are DataComp-1B (captions), OBELICS
(interleaved) and FineWeb-Edu (text), and LLaVA-1.5's 665K mixture for SFT (configs/datasets). Weights by hub id
($OMNI_MODEL_ZOO). Our cosine decays to 0, MM1's to 10% of the peak.
  stage1_pretrain ─► stage2_sft
"""

from omni.config import LazyCall as L
from projects.mm1.presets import mm1_3b_config
from projects.mm1.stages import STAGES as _STAGES

_RUNS = "work_dirs/mm1_3b"
_MODEL = L(mm1_3b_config)()

stages = dict(_STAGES)

model = dict(config=_MODEL, loss_weights={"lm": 1.0}, tokenizer_name_or_path="openlm-research/open_llama_3b_v2",
             init_from=None, expected_config=None)

data = dict(datasets=[], data_root=None, mode="comprehension", shuffle_buffer=10000)

training = dict(
    output_dir=f"{_RUNS}/stage", seed=42, per_device_train_batch_size=8, weight_decay=0.1, lr_scheduler_type="cosine",
    bf16=True, gradient_checkpointing=True, dataloader_num_workers=8, logging_steps=10, save_steps=5000,
    save_total_limit=2,
)

__all__ = ["data", "model", "stages", "training", "_MODEL", "_RUNS"]
