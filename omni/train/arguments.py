"""The typed arguments of a training run, for every project: what a config file fills and the command line overrides."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from omni.train.training_args import TrainingArguments


@dataclass
class ModelArguments:
    config: Any = None  # a LazyCall producing an OmniConfig (or a specialisation's subclass); None with init_from
    tokenizer_name_or_path: Optional[str] = None  # local directory or model zoo name
    init_from: Optional[str] = None  # a previous stage's output directory (save_pretrained folder)
    merge_from: list[str] = field(default_factory=list)  # runs whose trained parameters are copied in (stage I parts)
    # this stage's weight of each loss the model returns, e.g. {"lm": 1.0, "vm": 10.0} (the one place a run sets
    # them; None keeps the model's own); written into the model's config, so the export records what trained it
    loss_weights: Optional[dict] = None
    # LoRA on the LLM for this stage, e.g. {"r": 8, "alpha": 16}; train it with training.trainable=LORA_TRAINABLE
    lora: Optional[dict] = None
    # a preference stage (DPO): {"beta": 0.1, "loss_type": "sigmoid"|"robust"|"hinge"|"ipo", "label_smoothing": 0.0}
    # on preference datasets; the reference is the model as the stage starts (without its LoRA adapters if it has them)
    preference: Optional[dict] = None
    # for --dry_run only: the architecture `init_from` will hold once the previous stage has run (a LazyCall like
    # `config`), so that a chain of paper stages can be checked and its memory planned before any of them ran;
    # training always loads init_from's own config and ignores this
    expected_config: Any = None


@dataclass
class DataArguments:
    datasets: list[str] = field(default_factory=lambda: ["toyworld_pairs"])
    # YAML/JSON files of dataset entries registered before `datasets` are looked up (docs/data.md)
    registry_files: list[str] = field(default_factory=list)
    weights: Optional[list[float]] = None  # mixture weights of `datasets` (default: equal)
    sizes: Optional[list[str]] = None  # or samples of each per epoch ("10M", "20M"): weights proportional to them
    data_root: Optional[str] = None  # default: $OMNI_DATA_ROOT or ./data
    mode: str = "comprehension"  # what image–text pairs train: comprehension | creation | mixed
    prompts: list[str] = field(default_factory=lambda: ["Describe the image."])
    shuffle_buffer: int = 1000
    # stage III: interleaved documents that carry an instruction become [user: instruction, assistant: document]
    documents_as_instructions: bool = False
    # whether a pair trained as creation (caption → image) also learns its caption as text; DreamLLM learns all text,
    # which is moot while the LLM is frozen; off, the caption is only the image's condition (docs/toyworld.md)
    creation_caption_loss: bool = True
    # every batch from one dataset of the mixture (same shares): no short pair padded to a long document's length
    batch_by_source: bool = False
    # at most this many images (seen + created) per batch; samples beyond it are left out of the batch and counted
    max_images_per_batch: Optional[int] = None
    # pack each micro-batch's samples into rows of up to pack_max_tokens (default: the model's model_max_length),
    # each sample isolated (omni/data/packing.py), instead of padding every sample to the longest
    packing: bool = False
    pack_max_tokens: Optional[int] = None
    # rows no wider than the micro-batch's longest sample (still within pack_max_tokens): fewer rows than padding, and
    # no row longer than a padded one, for kernels that compute a packed row's mask in full (SDPA on a CPU) where
    # attention's cost grows with the square of the row
    pack_to_longest: bool = False
    max_images_per_row: Optional[int] = None

    def register_files(self) -> None:
        """Register `registry_files`' datasets before any of `datasets` is looked up (every run path does)."""
        from omni.data.constants import DataManager

        for path in self.registry_files:
            DataManager.register_file(path, overwrite=True)


@dataclass
class Arguments:
    model: ModelArguments = field(default_factory=ModelArguments)
    data: DataArguments = field(default_factory=DataArguments)
    training: TrainingArguments = field(default_factory=TrainingArguments)
    stages: Any = None  # the recipe's trainable sets per stage (for `omni summary`)
