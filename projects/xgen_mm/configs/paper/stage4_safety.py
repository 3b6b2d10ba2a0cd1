"""Safety fine-tuning with new LoRA adapters on the DPO model with its adapters merged (`python -m omni merge_lora
--model work_dirs/xgen_mm_phi3/stage3_dpo --out work_dirs/xgen_mm_phi3/stage3_dpo_merged`): VLGuard's 2K samples
and 5K drawn from the SFT mixture (7K, one epoch), global batch 64, lr 1e-4."""

from .common import _LORA, _LORA_TRAINABLE, _MODEL, _RUNS, data, model, stages, training

model.update(config=None, init_from=f"{_RUNS}/stage3_dpo_merged", expected_config=_MODEL, lora=dict(_LORA))
data.update(datasets=["vlguard", "llava_v1_5_mix665k"], sizes=["2K", "5K"])
training.update(output_dir=f"{_RUNS}/stage4_safety", run_name="xgen_mm_phi3_stage4_safety", global_batch_size=64,
                learning_rate=1e-4, trainable=_LORA_TRAINABLE)

__all__ = ["data", "model", "stages", "training"]
