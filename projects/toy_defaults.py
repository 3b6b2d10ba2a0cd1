"""What every project's toy configs start from on the toy zoo: the model entry (a config, the zoo's tokenizer), the
data entry (caption pairs, the toy world's caption prompts) and the training entry. Each call returns fresh dicts, so
a project's `configs/toy/common.py` states only what differs and its stage files update them in place."""

from __future__ import annotations

from typing import Any

CAPTION_PROMPTS = ["Describe the image.", "What is in the picture?", "Write a caption for this image."]


def toy_model(config: Any, zoo: str, loss_weights: dict[str, float] | None = None) -> dict[str, Any]:
    return dict(config=config, loss_weights=loss_weights or {"lm": 1.0}, tokenizer_name_or_path=f"{zoo}/llama",
                init_from=None, merge_from=[])


def toy_data() -> dict[str, Any]:
    return dict(datasets=["toyworld_pairs"], weights=None, sizes=None, data_root=None, mode="comprehension",
                prompts=list(CAPTION_PROMPTS), shuffle_buffer=1000, documents_as_instructions=False,
                batch_by_source=False, max_images_per_batch=None)


def toy_training(output_dir: str, learning_rate: float) -> dict[str, Any]:
    return dict(
        output_dir=output_dir, seed=42, max_steps=100, per_device_train_batch_size=8, gradient_accumulation_steps=1,
        learning_rate=learning_rate, weight_decay=0.0, lr_scheduler_type="cosine", warmup_ratio=0.05,
        max_grad_norm=1.0, fsdp=True, bf16=False, dataloader_num_workers=1, logging_steps=1, save_steps=200,
        save_total_limit=1, report_to=["wandb"],
    )
