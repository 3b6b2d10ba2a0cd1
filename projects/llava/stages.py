"""LLaVA-1.5's trainable sets per stage, as glob patterns over parameter names (the vision tower never trains)."""

STAGES = {
    "stage1_pretrain": ["plugins.vision_encoder.projector.*"],  # feature alignment on caption pairs
    "stage2_finetune": ["llm.*", "plugins.vision_encoder.projector.*"],  # visual instruction tuning
}
