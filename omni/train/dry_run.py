"""`--dry_run`: check a training job in seconds, on a laptop, before it spends GPU hours in a queue.

    torchrun ... -m projects.<name>.train --config_file FILE "k=v" --dry_run [--world_size 128]

What it does, with no weights read and no memory allocated: resolves the config and the overrides (unknown keys fail
as in a real run), builds the model on the `meta` device (from `model.config`, or from `model.init_from`'s
config.json), applies the stage's LoRA and trainable patterns (a pattern that matches nothing fails), checks that
every weight directory (LLM, plugin backbones, tokenizer, `init_from`, `merge_from`) and every dataset is present,
listing what is missing and where it is expected, computes the step's global batch and what the run draws from each
dataset (samples, epochs), and prints a memory plan per GPU for the given world size. Exit status: 0 when everything
is present, 2 when files are missing (the report lists them), 1 on a config error.

The memory plan follows the trainer: FSDP2 shards the trainable and non-frozen parameters over the world (fp32
master weights, fp32 gradients, AdamW's two fp32 moments), frozen plugin backbones stay whole on every GPU in the
frozen dtype, and activations are estimated per decoder layer after Korthikanti et al. (2022): 34·s·b·h bytes per
layer stored for backward in 16-bit (flash/SDPA attention: no s² term), or 2·s·b·h per layer plus one layer's worth
when activation checkpointing recomputes them. The LM head's logits exist only at labelled positions (bounded here by
every position: b·s·V·6 bytes, bf16 logits and their fp32 softmax).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from omni.data.dataset_info import parse_size
from omni.train.arguments import Arguments
from omni.train.schedule import resolve_schedule

GiB = 1024**3


@dataclass
class DryRunReport:
    lines: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def section(self, title: str) -> None:
        self.lines += ["", f"## {title}"]

    def add(self, line: str) -> None:
        self.lines.append(line)


def _model_config(args: Arguments, report: DryRunReport) -> Any:
    from omni.config import instantiate

    if args.model.init_from:
        folder = Path(args.model.init_from)
        if not (folder / "config.json").exists():
            report.missing.append(f"model.init_from {folder}: a previous stage's output folder (config.json and weights)")
            if args.model.expected_config is None:
                return None
            report.add(f"(model.init_from {folder} is not there yet: planned with model.expected_config)")
            return instantiate(args.model.expected_config)
        from transformers import AutoConfig, PretrainedConfig

        from omni.models.families import import_family

        import_family(PretrainedConfig.get_config_dict(str(folder))[0].get("model_type"))
        return AutoConfig.from_pretrained(str(folder))
    return instantiate(args.model.config)


def _weights(config: Any, args: Arguments, report: DryRunReport) -> None:
    from omni.models.zoo import backbone_names, locate

    wanted = backbone_names(config)
    if not args.model.init_from:
        wanted.append(("tokenizer", args.model.tokenizer_name_or_path))
    for run in args.model.merge_from:
        present = (Path(run) / "config.json").exists()
        report.add(f"- merge_from: {run} → {'present' if present else 'MISSING'}")
        if not present:
            report.missing.append(f"model.merge_from {run}: a previous stage's output folder (config.json and weights)")
    for what, name in wanted:
        if not name:
            report.add(f"- {what}: built from its config (no pretrained weights)")
            continue
        where = locate(name)
        report.add(f"- {what}: {name} → {f'present at {where}' if where else 'MISSING'}")
        if where is None:
            report.missing.append(f"weights of the {what}: {name} is neither a local folder nor a model-zoo entry "
                                  "(map hub names to folders in the JSON file $OMNI_MODEL_ZOO names)")


def _data(args: Arguments, report: DryRunReport, global_batch: int) -> None:
    from omni.data.constants import DataManager

    args.data.register_files()
    names = list(args.data.datasets)
    if args.data.sizes is not None:
        weights = [float(parse_size(size)) for size in args.data.sizes]
    else:
        weights = [float(w) for w in (args.data.weights or [1.0] * len(names))]
    drawn = args.training.max_steps * global_batch
    report.add("| dataset | type | approx. size | share | samples drawn | epochs | present |")
    report.add("|---|---|---|---|---|---|---|")
    for name, weight in zip(names, weights):
        share = weight / sum(weights)
        try:
            info = DataManager.get(name)
        except KeyError as error:  # listed with the rest, so that one run of the dry run shows every problem
            report.add(f"| {name} | ? | ? | {share:.1%} | {share * drawn:,.0f} | ? | NOT REGISTERED |")
            report.missing.append(f"dataset {name}: not registered ({str(error).strip(chr(34))[:200]}); add its entry "
                                  "to a registry file in data.registry_files (docs/data.md)")
            continue
        size = parse_size(info.approx_size)
        present = info.is_present(args.data.data_root)
        where = info.location(args.data.data_root) if hasattr(info, "location") else "(hub)"
        report.add(f"| {name} | {info.dataset_type.value} | {info.approx_size} | {share:.1%} | {share * drawn:,.0f} | "
                   f"{share * drawn / max(size, 1):.2f} | {'yes' if present else 'MISSING'} |")
        if not present:
            report.missing.append(f"dataset {name}: expected at {where} (data root: data.data_root or $OMNI_DATA_ROOT)")


def memory_plan(model: torch.nn.Module, world_size: int, batch: int, seq: int, frozen_dtype_bytes: int,
                checkpointing: bool) -> dict[str, float]:
    """Bytes per GPU under FSDP2 (see the module docstring)."""
    frozen = {id(p) for module in (model.frozen_modules() if hasattr(model, "frozen_modules") else {}).values()
              for p in module.parameters()}
    sharded = [p for p in model.parameters() if id(p) not in frozen]
    trainable = sum(p.numel() for p in sharded if p.requires_grad)
    config = model.llm.config
    hidden, layers, vocab = config.hidden_size, config.num_hidden_layers, config.vocab_size
    per_layer = 34 * seq * batch * hidden
    activations = (2 * seq * batch * hidden * layers + per_layer) if checkpointing else per_layer * layers
    largest_layer = max((sum(p.numel() for p in layer.parameters()) for layer in model.llm.get_decoder().layers),
                        default=0)
    return {
        "sharded weights (fp32 master)": 4 * sum(p.numel() for p in sharded) / world_size,
        "gradients (fp32, sharded)": 4 * trainable / world_size,
        "AdamW moments (fp32, sharded)": 8 * trainable / world_size,
        "frozen backbones (whole on every GPU)": frozen_dtype_bytes * sum(p.numel() for p in model.parameters()
                                                                      if id(p) in frozen),
        "gathered layer (bf16, transient ×2 prefetch)": 2 * 2 * largest_layer,
        "activations (estimate)": activations,
        "logits at labelled positions (bound)": 6 * batch * seq * vocab,
    }


def dry_run(args: Arguments, world_size: int = 1) -> int:
    """Print the dry-run report; 0: ready, 2: files missing (listed)."""
    from omni.models.base.preference import PreferenceSettings
    from omni.models.loading import model_class
    from omni.models.lora import apply_lora
    from omni.models.summary import format_summary, summarize
    from omni.models.trainable import set_trainable

    report = DryRunReport()
    training = args.training
    try:
        derived = resolve_schedule(args, world_size)
    except (ValueError, KeyError) as error:
        report.missing.append(f"schedule: {error}")
        derived = []
    global_batch = training.per_device_train_batch_size * training.gradient_accumulation_steps * world_size
    report.add(f"# Dry run: {training.output_dir} on {world_size} GPU(s)")
    report.add(f"global batch {training.per_device_train_batch_size} × {training.gradient_accumulation_steps} "
               f"accumulation × {world_size} = {global_batch} samples; {training.max_steps:,} steps = "
               f"{training.max_steps * global_batch:,} samples")
    report.lines += [f"- {note}" for note in derived]
    config = _model_config(args, report)
    if config is not None:
        with torch.device("meta"):
            model = model_class(config)(config)
            if args.model.lora and not config.lora:
                apply_lora(model, **args.model.lora)
        if args.model.loss_weights:
            model.config.set_loss_weights(dict(args.model.loss_weights))
        if args.model.preference is not None:
            PreferenceSettings.from_config(args.model.preference)
        set_trainable(model, training.trainable)  # a pattern that matches nothing fails here
        report.section("Model (meta device)")
        report.lines += format_summary(summarize(model)).splitlines()
        seq = getattr(config, "model_max_length", 2048)
        report.add(f"sequence budget: {seq} tokens; at most {global_batch * seq:,} tokens per step")
        report.section("Weights")
        _weights(config, args, report)
        report.section(f"Memory per GPU ({world_size} GPUs, micro-batch {training.per_device_train_batch_size} × "
                       f"{seq} tokens, checkpointing {'on' if training.gradient_checkpointing else 'off'})")
        frozen_bytes = 2 if (training.frozen_dtype or ("bfloat16" if training.bf16 else "float32")) != "float32" else 4
        plan = memory_plan(model, world_size, training.per_device_train_batch_size, seq, frozen_bytes,
                           training.gradient_checkpointing)
        for name, value in plan.items():
            report.add(f"- {name}: {value / GiB:.2f} GiB")
        report.add(f"- **total: {sum(plan.values()) / GiB:.2f} GiB**")
    report.section("Data")
    _data(args, report, global_batch)
    report.section("Verdict")
    if report.missing:
        report.add(f"{len(report.missing)} missing:")
        report.lines += [f"- {item}" for item in report.missing]
    else:
        report.add("everything is present: the job can start")
    print("\n".join(report.lines))
    return 2 if report.missing else 0
