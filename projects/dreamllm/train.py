"""Train DreamLLM: `torchrun --nproc_per_node N -m projects.dreamllm.train --config_file FILE "k=v" ...`."""

from __future__ import annotations

import dataclasses

import torch

from omni.config import LazyLaunch
from omni.data.builders import DreamLLMTransform, SequenceBuilder
from omni.data.collator import DataCollator
from omni.data.constants import DataManager
from omni.models.lora import apply_lora
from omni.train import Trainer
from omni.train.distributed import init_distributed
from projects.dreamllm.arguments import Arguments
from projects.dreamllm.model_loading import build_model


def build_dataset(args: Arguments, model, tokenizer):
    config = model.config
    builder = SequenceBuilder(tokenizer, config.special_token_ids,
                              model.vision_encoder.num_tokens if model.vision_encoder else 0,
                              model.dream_queries.num_queries if model.dream_queries else 0, config.model_max_length,
                              template=config.conversation_template)
    head = model.diffusion_head
    transform = DreamLLMTransform(
        builder, args.data.mode,
        vision_preprocess=model.vision_encoder.preprocess if model.vision_encoder else None,
        head_preprocess=head.preprocess if head else None,
        prompts=tuple(args.data.prompts), drop_prob=head.drop_prob if head else 0.0, seed=args.training.seed,
        documents_as_instructions=args.data.documents_as_instructions,
    )
    for path in args.data.registry_files:
        DataManager.register_file(path, overwrite=True)
    return DataManager.build(args.data.datasets, args.data.weights, args.data.data_root, transform,
                             seed=args.training.seed, shuffle_buffer=args.data.shuffle_buffer,
                             group_size=args.training.per_device_train_batch_size if args.data.batch_by_source else 1,
                             sizes=args.data.sizes)


def prepare_model(args: Arguments):
    """The model a run trains, as its config describes it: built or loaded, merged, this stage's loss weights, LoRA."""
    model, tokenizer = build_model(args.model.config, args.model.tokenizer_name_or_path, args.model.init_from,
                                   args.model.merge_from)
    for name in ("loss_weight_lm", "loss_weight_vm"):
        if getattr(args.model, name) is not None:
            setattr(model.config, name, getattr(args.model, name))
    if args.model.lora and not model.config.lora:  # a LoRA stage on top of a plain model (a resumed one has them)
        apply_lora(model, **args.model.lora)
    return model, tokenizer


def train(args: Arguments) -> dict:
    init_distributed()
    torch.manual_seed(args.training.seed)  # identical initial weights on every rank
    model, tokenizer = prepare_model(args)
    dataset = build_dataset(args, model, tokenizer)
    trainer = Trainer(model, args.training, dataset, DataCollator(tokenizer.pad_token_id, args.data.max_images_per_batch), tokenizer,
                      run_config=dataclasses.asdict(args))
    return trainer.train()


if __name__ == "__main__":
    LazyLaunch(train, Arguments)
