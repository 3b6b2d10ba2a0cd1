"""DPO with LoRA on the LLM (xGen-MM's post-training): preference pairs of the toy world, the true caption or yes/no
answer against a hallucinated one; the reference is the SFT model itself, its adapters switched off. Only the
adapters train."""

from .common import _RUNS, data, model, stages, training

model.update(config=None, init_from=f"{_RUNS}/stage2_sft", lora={"r": 8, "alpha": 16},
             # sft_weight: RPO's NLL of the chosen answer; with DPO alone the model no longer stopped after 300 steps
             # (VQA 87.1% -> 12.1%: its answers ran on past the end, docs/xgen_mm.md)
             preference={"beta": 0.1, "loss_type": "sigmoid", "sft_weight": 1.0})
data.update(datasets=["toyworld_preferences"], mode="comprehension")
training.update(output_dir=f"{_RUNS}/stage3_dpo", run_name="xgen_mm_toy_stage3_dpo", max_steps=300,
                learning_rate=1e-3, trainable=["*.lora_A.*", "*.lora_B.*"])

__all__ = ["data", "model", "stages", "training"]
