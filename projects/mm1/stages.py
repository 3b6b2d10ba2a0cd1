"""MM1's trainable sets per stage (glob patterns over parameter names). The vision tower stays frozen here (MM1's
own encoder is not public; its pretraining details beyond the mixture are not followed)."""

STAGES = {
    "stage1_pretrain": ["llm.*", "plugins.vision_encoder.projector.*"],  # connector and LLM on the 45:45:10 mixture
    "stage2_sft": ["llm.*", "plugins.vision_encoder.projector.*"],
}
