"""xGen-MM's trainable sets per stage (glob patterns over parameter names): everything but the ViT trains in
pretraining and SFT (the Perceiver and the LLM; loss on text only). xGen-MM has no view separator; a model with
`view_separator=True` adds "plugins.vision_encoder.separator" to its stage's patterns."""

STAGES = {
    "stage1_pretrain": ["llm.*", "plugins.vision_encoder.projector.*"],
    "stage2_sft": ["llm.*", "plugins.vision_encoder.projector.*"],
}
