"""Parts shared by the DreamLLM configs: the stage table and the default training arguments."""

from omni.config import LazyCall as L
from omni.models.dreamllm.presets import tiny_dreamllm_config
from projects.dreamllm.stages import STAGES

stages = dict(STAGES)

# The toy-scale model: LLaMA 256 wide x 4 layers, CLIP 128 wide x 4 layers at 64 px / patch 16 (16 tokens),
# 64 dream queries, UNet (32, 64) on the 16x16 latents of a 4x-down VAE.
toy_model_config = L(tiny_dreamllm_config)(
    vocab_size=151, hidden_size=256, num_layers=4, num_heads=4, num_queries=64,
    vision_hidden_size=128, vision_layers=4, image_size=64, patch_size=16,
    unet_channels=[32, 64], vae_channels=[16, 32, 64], cross_attention_dim=128,
    loss_weight_lm=1.0, loss_weight_vm=10.0, drop_prob=0.1, model_max_length=256,
)

model = dict(config=toy_model_config, tokenizer_name_or_path="data/toyworld/tokenizer", init_from=None)

data = dict(datasets=["toyworld_pairs"], data_root=None, mode="comprehension",
            prompts=["Describe the image.", "What is in the picture?", "Write a caption for this image."],
            shuffle_buffer=1000)

training = dict(
    output_dir="work_dirs/toy", seed=42, max_steps=100, per_device_train_batch_size=8, gradient_accumulation_steps=1,
    learning_rate=2e-3, weight_decay=0.0, lr_scheduler_type="cosine", warmup_ratio=0.05, max_grad_norm=1.0,
    fsdp=True, bf16=False, dataloader_num_workers=1, logging_steps=1, save_steps=0, report_to=["wandb"],
)
