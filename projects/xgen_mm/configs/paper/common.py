"""xGen-MM (BLIP-3) phi-3 recipe: SigLIP so400m/14 at 384 px (frozen) → Perceiver resampler (128 latents per view)
→ phi-3-mini-4k-instruct, any-resolution views. The stages of the paper: pretraining on ~100B multimodal tokens at
384 px; SFT on ~1M public instruction samples (1 epoch); interleaved multi-image SFT (MANTIS, MMDU and a subset of
the single-image SFT data); DPO with LoRA on 2.5% of the LLM's parameters (VLFeedback, 62.6K after filtering, 1
epoch); safety fine-tuning with LoRA on VLGuard's 2K plus 5K random SFT samples (1 epoch). Batch sizes, the
pretraining mixture's proportions and DPO's β are not published in the sources we found: the values here are ours
and say so. Data by registry name (configs/datasets), weights by hub id ($OMNI_MODEL_ZOO):
  stage1_pretrain ─► stage2_sft ─► stage2_multi_image_sft ─► stage3_dpo ─(merge_lora)► stage4_safety
"""

from omni.config import LazyCall as L
from projects.xgen_mm.presets import xgen_mm_phi3_config
from projects.xgen_mm.stages import STAGES as _STAGES

_RUNS = "work_dirs/xgen_mm_phi3"
_MODEL = L(xgen_mm_phi3_config)()
# LoRA on every linear layer of phi-3 (its attention and MLP projections are fused): rank 64 is 100,663,296
# parameters, 2.6% of the LLM's 3.82B, the "2.5%" of the paper
_LORA = {"r": 64, "alpha": 128, "target_modules": ["qkv_proj", "o_proj", "gate_up_proj", "down_proj"]}
_LORA_TRAINABLE = ["*.lora_A.*", "*.lora_B.*"]

stages = dict(_STAGES)

model = dict(config=_MODEL, loss_weights={"lm": 1.0}, tokenizer_name_or_path="microsoft/Phi-3-mini-4k-instruct",
             init_from=None, expected_config=None)

data = dict(datasets=[], data_root=None, mode="comprehension", shuffle_buffer=10000, max_images_per_batch=64)

training = dict(
    output_dir=f"{_RUNS}/stage", seed=42, num_train_epochs=1.0, per_device_train_batch_size=4, weight_decay=0.0,
    lr_scheduler_type="cosine", warmup_ratio=0.03, bf16=True, gradient_checkpointing=True, dataloader_num_workers=8,
    logging_steps=10, save_steps=2000, save_total_limit=2,
)

__all__ = ["data", "model", "stages", "training", "_LORA", "_LORA_TRAINABLE", "_MODEL", "_RUNS"]
