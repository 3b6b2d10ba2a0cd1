"""`TrainingArguments`: everything the trainer needs, as one typed dataclass that configs fill and the CLI overrides."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional


@dataclass
class TrainingArguments:
    output_dir: str = "work_dirs/run"
    run_name: Optional[str] = None
    seed: int = 42
    max_steps: int = 100
    # the paper's terms instead (omni/train/schedule.py): epochs of the mixture set max_steps, a global batch sets the
    # accumulation, both for the world size the job runs on
    num_train_epochs: Optional[float] = None
    global_batch_size: Optional[int] = None
    per_device_train_batch_size: int = 4
    gradient_accumulation_steps: int = 1
    learning_rate: float = 2e-3
    # per-parameter learning rates: {glob over parameter names: rate}, first match wins; the rest use learning_rate
    learning_rates: dict[str, float] = field(default_factory=dict)
    weight_decay: float = 0.0
    adam_beta1: float = 0.9
    adam_beta2: float = 0.999
    adam_epsilon: float = 1e-8
    lr_scheduler_type: str = "cosine"
    warmup_ratio: float = 0.003
    max_grad_norm: float = 1.0
    # glob patterns over parameter names; "*" = everything except frozen plugin backbones
    trainable: list[str] = field(default_factory=lambda: ["*"])
    fsdp: bool = True
    bf16: bool = False  # decoder layers compute in bf16 under FSDP (fp32 master weights and optimizer state)
    reduce_dtype: str = "float32"  # gradient reduce-scatter dtype with bf16: float32 (exact sums) or bfloat16 (half the traffic)
    frozen_dtype: Optional[str] = None  # frozen plugin backbones (CLIP, VAE, UNet); None: bfloat16 with bf16, else float32
    # a folder for what frozen plugin backbones compute from inputs (vision features, VAE posteriors), keyed by the
    # backbone and the preprocessed input, shared by epochs, stages and runs (omni/models/feature_cache.py); None: off
    feature_cache_dir: Optional[str] = None
    gradient_checkpointing: bool = False
    # how (omni/train/activation_checkpointing.py): "full" recomputes whole blocks, "save_matmuls" keeps the matrix
    # products' outputs (torchtitan's selective op checkpointing); one block in N; saved activations in host memory
    checkpoint_policy: str = "full"
    checkpoint_every_n_layers: int = 1
    checkpoint_offload: bool = False
    # torch.compile each LLM decoder block in place before sharding (torchtitan's per-block compile: one graph,
    # reused by every layer; parameter names and checkpoints unchanged)
    compile: bool = False
    dataloader_num_workers: int = 1
    logging_steps: int = 1
    save_steps: int = 0  # 0: only at the end
    save_total_limit: int = 2
    resume: bool = True
    # the final export: frozen plugin backbones with their own directory are referenced, not copied (False), or copied
    export_frozen: bool = False
    max_bad_steps: int = 10  # consecutive non-finite losses before the run stops
    peak_tflops: Optional[float] = None  # the device's peak for MFU; None: known GPUs' dense bf16 peak, none on CPU
    report_to: list[str] = field(default_factory=lambda: ["wandb"])
    disable_tqdm: bool = False
