"""DPO with LoRA (rank 64 on every linear layer: 2.6% of the LLM) on VLFeedback's rated responses (the best-rated
chosen, the worst rejected), one epoch at global batch 64, lr 5e-6, β 0.1 (ours); the reference is the multi-image
SFT model itself, its adapters switched off."""

from .common import _LORA, _LORA_TRAINABLE, _MODEL, _RUNS, data, model, stages, training

model.update(config=None, init_from=f"{_RUNS}/stage2_multi_image_sft", expected_config=_MODEL, lora=dict(_LORA),
             preference={"beta": 0.1, "loss_type": "sigmoid"})
data.update(datasets=["vlfeedback"])
training.update(output_dir=f"{_RUNS}/stage3_dpo", run_name="xgen_mm_phi3_stage3_dpo", global_batch_size=64,
                learning_rate=5e-6, warmup_ratio=0.1, trainable=_LORA_TRAINABLE)

__all__ = ["data", "model", "stages", "training"]
