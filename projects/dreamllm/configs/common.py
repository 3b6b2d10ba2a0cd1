"""Parts shared by all DreamLLM configs: the stage table and default data and training arguments."""

from projects.dreamllm.stages import STAGES as _STAGES

stages = dict(_STAGES)

data = dict(datasets=["toyworld_pairs"], weights=None, sizes=None, data_root=None, mode="comprehension",
            prompts=["Describe the image.", "What is in the picture?", "Write a caption for this image."],
            shuffle_buffer=1000, documents_as_instructions=False, batch_by_source=False,
            max_images_per_batch=None)

training = dict(
    output_dir="work_dirs/toy", seed=42, max_steps=100, per_device_train_batch_size=8, gradient_accumulation_steps=1,
    learning_rate=2e-3, weight_decay=0.0, lr_scheduler_type="cosine", warmup_ratio=0.05, max_grad_norm=1.0,
    fsdp=True, bf16=False, dataloader_num_workers=1, logging_steps=1, save_steps=0, report_to=["wandb"],
)
