"""Safety fine-tuning with LoRA (VLGuard-style): requests to harm a shape answered with the refusal, beside ordinary
questions so that safe requests keep their answers. Starts from the DPO model with its adapters merged
(`python -m omni merge_lora --model .../stage3_dpo --out .../stage3_dpo_merged`); new adapters train."""

from .common import _RUNS, data, model, stages, training

model.update(config=None, init_from=f"{_RUNS}/stage3_dpo_merged", lora={"r": 8, "alpha": 16})
data.update(datasets=["toyworld_safety", "toyworld_vqa"], weights=[1.0, 1.0], mode="comprehension",
            batch_by_source=True)
training.update(output_dir=f"{_RUNS}/stage4_safety", run_name="xgen_mm_toy_stage4_safety", max_steps=300,
                learning_rate=1e-3, trainable=["*.lora_A.*", "*.lora_B.*"])

__all__ = ["data", "model", "stages", "training"]
