"""DreamLLM's trainable sets per stage (paper, table 11), as glob patterns over parameter names."""

from omni.models.lora import LORA_TRAINABLE

_COMPREHENSION = ["plugins.vision_encoder.projector.*"]
_CREATION = ["plugins.dream_queries.*", "plugins.diffusion_head.condition_projector.*"]

STAGES = {
    "stage1_comprehension": _COMPREHENSION,
    "stage1_creation": _CREATION,
    # both halves of stage I in one run, the LLM training too (toy/stage1_joint.py; not in the paper)
    "stage1_joint": _COMPREHENSION + _CREATION + ["llm.*"],
    "stage2_igpt": ["*"],  # everything but the frozen CLIP, VAE and UNet
    "stage3_sft": ["*"],
    # SFT with LoRA on the LLM (model.lora={...}): the adapters, projectors and dream queries train
    "stage3_sft_lora": LORA_TRAINABLE + ["plugins.dream_queries.*"],
}
