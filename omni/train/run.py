"""One training run of any project: the model its config describes, the dataset that feeds it, the trainer.

A project's `train.py` is `LazyLaunch(train, Arguments, dry_run)`: what differs between LLaVA, MM1 and DreamLLM is the model's
config (its plugins) and the data, not this code. The transform follows the model: pairs become comprehension or
creation samples as its plugins allow, interleaved documents hold created or seen images, or become text.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import torch

from omni.data.builders import MultimodalTransform
from omni.data.collator import DataCollator
from omni.data.constants import DataManager
from omni.models.base.llm import attention_for_packing
from omni.models.base.preference import PreferenceSettings, attach_reference
from omni.models.loading import build_model
from omni.models.lora import apply_lora
from omni.train.arguments import Arguments
from omni.train.schedule import resolve_schedule
from omni.train.trainer import Trainer
from omni.utils.distributed import init_distributed, is_main_process
from omni.utils.logging import get_logger

logger = get_logger(__name__)


def build_dataset(args: Arguments, model: Any, tokenizer: Any):
    transform = MultimodalTransform.for_model(model, tokenizer, args.data.mode, prompts=tuple(args.data.prompts),
                                              seed=args.training.seed,
                                              documents_as_instructions=args.data.documents_as_instructions,
                                              creation_caption_loss=args.data.creation_caption_loss)
    args.data.register_files()
    return DataManager.build(args.data.datasets, args.data.weights, args.data.data_root, transform,
                             seed=args.training.seed, shuffle_buffer=args.data.shuffle_buffer,
                             group_size=args.training.per_device_train_batch_size if args.data.batch_by_source else 1,
                             sizes=args.data.sizes)


def prepare_model(args: Arguments):
    """The model a run trains, as its config describes it: built or loaded, merged, this stage's loss weights, LoRA."""
    model, tokenizer = build_model(args.model.config, args.model.tokenizer_name_or_path, args.model.init_from,
                                   args.model.merge_from)
    if args.model.loss_weights:
        model.config.set_loss_weights(dict(args.model.loss_weights))
    if args.model.lora and not model.config.lora:  # a LoRA stage on top of a plain model (a resumed one has them)
        apply_lora(model, **args.model.lora)
    if args.model.preference is not None:
        PreferenceSettings.from_config(args.model.preference)  # a bad β or loss type fails before any data is read
        model.config.preference = dict(args.model.preference)
        attach_reference(model)  # the model as this stage starts (none needed with LoRA: the adapters are switched off)
    return model, tokenizer


def train(args: Arguments) -> dict:
    _, world, device = init_distributed()
    for note in resolve_schedule(args, world):
        if is_main_process():
            logger.info(note)
    torch.manual_seed(args.training.seed)  # identical initial weights on every rank
    model, tokenizer = prepare_model(args)
    dataset = build_dataset(args, model, tokenizer)
    pack_to = (args.data.pack_max_tokens or model.config.model_max_length) if args.data.packing else None
    if pack_to:
        attention = attention_for_packing(model.config.attn_implementation, device)
        if attention != model.config.attn_implementation:  # this run's kernel only: the export keeps the config's
            logger.info("packed batches on %s: the LLM attends with %s", device, attention)
            model.llm.set_attn_implementation(attention)
    collator = DataCollator(tokenizer.pad_token_id, args.data.max_images_per_batch, pack_to, args.data.max_images_per_row,
                            args.data.pack_to_longest)
    trainer = Trainer(model, args.training, dataset, collator, tokenizer, run_config=dataclasses.asdict(args))
    return trainer.train()
