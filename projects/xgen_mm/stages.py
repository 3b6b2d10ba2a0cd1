"""xGen-MM's trainable sets per stage (glob patterns over parameter names): everything but the ViT trains in
pretraining and SFT (the Perceiver and the LLM; loss on text only)."""

STAGES = {
    "stage1_pretrain": ["llm.*", "plugins.vision_encoder.projector.*", "plugins.vision_encoder.separator"],
    "stage2_sft": ["llm.*", "plugins.vision_encoder.projector.*", "plugins.vision_encoder.separator"],
}
