"""The trainer: our own loop over PyTorch FSDP2, so that sharding, resume and logging are real on a CPU too.

One step: fetch the step's micro-batches, count label tokens and target images across all ranks (so losses are
normalised over the whole accumulated, global batch and logged per-component losses are exact), forward and backward
each micro-batch, clip, skip the update if the loss was not finite, step the optimizer and the schedule, log, save.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Iterator
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import torch
from torch.utils.data import DataLoader, IterableDataset
from tqdm import tqdm
from transformers import get_scheduler

from omni.data.datasets.stream import DataPosition
from omni.models.summary import format_summary, summarize
from omni.models.trainable import set_trainable
from omni.train.checkpoint import export_pretrained, list_checkpoints, load_checkpoint, load_data_state, save_checkpoint
from omni.train.flops import measure as measure_flops
from omni.train.flops import peak_flops
from omni.train.fsdp import as_dtype, cast_frozen
from omni.train.loggers import MetricLogger
from omni.train.parallel import choose_strategy
from omni.train.training_args import TrainingArguments
from omni.utils.distributed import all_reduce_sum, barrier, init_distributed, is_main_process
from omni.utils.logging import get_logger
from omni.utils.plots import plot_metrics

logger = get_logger(__name__)

NO_DECAY = ("bias", "norm", "embeddings")  # biases, norm weights and learnable query embeddings


def declared_no_weight_decay(model: torch.nn.Module) -> set[str]:
    """Full names of the parameters that modules declare undecayed through `no_weight_decay()` (timm's convention:
    learned latents, queries, positional embeddings), whatever they are called."""
    names: set[str] = set()
    for prefix, module in model.named_modules():
        declare = getattr(module, "no_weight_decay", None)
        if callable(declare):
            names |= {f"{prefix}.{name}" if prefix else name for name in declare()}
    return names


def parameter_groups(model: torch.nn.Module, weight_decay: float, learning_rate: float,
                     learning_rates: dict[str, float] | None = None) -> list[dict[str, Any]]:
    """Optimizer groups by (learning rate, weight decay): norms, biases, 1-d parameters and those a module declares
    (`no_weight_decay()`) take no decay; a parameter
    whose name matches a pattern of `learning_rates` (the first that matches, in order) takes that rate, e.g. new
    projectors and dream queries faster than a pretrained LLM."""
    groups: dict[tuple[float, float], list[torch.nn.Parameter]] = {}
    undecayed = declared_no_weight_decay(model)
    for name, parameter in model.named_parameters():
        if not parameter.requires_grad:
            continue
        lr = next((rate for pattern, rate in (learning_rates or {}).items() if fnmatch(name, pattern)), learning_rate)
        no_decay = name in undecayed or any(k in name.lower() for k in NO_DECAY) or parameter.ndim < 2
        decay = 0.0 if no_decay else weight_decay
        groups.setdefault((lr, decay), []).append(parameter)
    return [{"params": params, "lr": lr, "weight_decay": decay} for (lr, decay), params in groups.items()]


class Trainer:
    def __init__(self, model: torch.nn.Module, args: TrainingArguments, train_dataset: IterableDataset,
                 data_collator: Any, tokenizer: Any = None, run_config: dict[str, Any] | None = None):
        self.args, self.tokenizer, self.collator = args, tokenizer, data_collator
        self.rank, self.world, self.device = init_distributed()
        self.raw_model = model
        self.train_dataset = train_dataset
        self.run_config = run_config or {"training": dataclasses.asdict(args)}
        self.output_dir = Path(args.output_dir)
        self.strategy = choose_strategy(self.world, args.fsdp, args.bf16, args.reduce_dtype)

    # ---- set-up --------------------------------------------------------------------------------------------------
    def _prepare_model(self) -> torch.nn.Module:
        model = self.raw_model
        set_trainable(model, self.args.trainable)
        if is_main_process():
            print(format_summary(summarize(model)), flush=True)
        model.to(self.device)
        frozen_dtype = self.args.frozen_dtype or ("bfloat16" if self.args.bf16 else "float32")
        cast_frozen(model, as_dtype(frozen_dtype))
        # after the cast: a cache's key includes the dtype its backbone computes in
        self.feature_caches = (model.use_feature_cache(self.args.feature_cache_dir)
                               if self.args.feature_cache_dir and hasattr(model, "use_feature_cache") else {})
        self.flops = measure_flops(model) if hasattr(model, "llm") else None
        self.peak_flops = peak_flops(self.device, self.args.peak_tflops)
        if self.args.gradient_checkpointing:
            from omni.train import activation_checkpointing

            activation_checkpointing.enable(model.llm, self.args.checkpoint_policy, self.args.checkpoint_every_n_layers,
                                            self.args.checkpoint_offload)
        if self.args.compile:
            from omni.train.fsdp import decoder_layers

            for layer in decoder_layers(model.llm):
                layer.compile()  # in place: the module tree (and the state dict's names) stay as they are
        model.train()
        return self.strategy.wrap(model, self.device)

    def _batches(self, consumed: int, saved: dict[str, Any] | None) -> Iterator[dict[str, torch.Tensor]]:
        """The training batches after the `consumed` ones. A saved data position starts every stream where it stood;
        without one (an older checkpoint, a dataset that keeps none, another world size or worker count) the stream,
        a pure function of the seed, is replayed and the consumed batches dropped: exact too, only slower."""
        workers = self.args.dataloader_num_workers
        self.data_position = DataPosition(self.world, workers)
        skip = consumed
        if consumed and saved and saved.get("positions") and hasattr(self.train_dataset, "load_state_dict"):
            try:
                self.train_dataset.load_state_dict(saved)
                self.data_position, skip = DataPosition(**saved), 0
            except ValueError as error:
                logger.warning("the saved data position does not fit this run (%s); replaying %d batches", error, consumed)
        elif consumed:
            logger.warning("no data position saved; replaying %d batches to resume the data stream", consumed)
        loader = DataLoader(self.train_dataset, batch_size=self.args.per_device_train_batch_size,
                            collate_fn=self.collator, num_workers=self.args.dataloader_num_workers,
                            persistent_workers=self.args.dataloader_num_workers > 0,
                            # its own generator: creating the iterator must not draw from the global RNG, which the
                            # checkpoint restores (else a resumed run's diffusion noise would differ)
                            generator=torch.Generator().manual_seed(self.args.seed + self.rank))
        return self._observed(loader, skip)

    def _observed(self, loader: DataLoader, skip: int) -> Iterator[dict[str, torch.Tensor]]:
        iterator = iter(loader)
        for _ in tqdm(range(skip), desc="replaying data", disable=not skip or not is_main_process()):
            self.data_position.observe(next(iterator))
        for batch in iterator:
            yield self.data_position.observe(batch)

    def _work(self, micro: list[dict[str, torch.Tensor]]) -> dict[str, float]:
        """The step's tokens (not padding), images seen and created, and training FLOPs, summed over its micro-batches
        and all ranks, by name."""
        work = dict.fromkeys(("tokens", "positions", "images_seen", "images_created", "flops"), 0.0)
        for batch in micro:
            positions = float(batch["input_ids"].numel())  # tokens and padding: what the step computes on
            tokens = float(batch["attention_mask"].sum()) if "attention_mask" in batch else positions
            seen, created = (len(batch.get(key, ())) for key in ("pixel_values", "dream_pixel_values"))
            flops = self.flops.step(tokens, batch["input_ids"].shape[1], seen, created) if self.flops else 0.0
            for name, value in zip(work, (tokens, positions, seen, created, flops)):
                work[name] += value
        totals = all_reduce_sum(torch.tensor(list(work.values()), dtype=torch.float64))
        return dict(zip(work, totals.tolist()))

    def _normaliser_totals(self, micro: list[dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
        """The model's loss normalisers (`normaliser_counts`: label tokens, images to create, …) summed over the step's
        micro-batches and all ranks."""
        counts = [type(self.raw_model).normaliser_counts(batch) for batch in micro]
        names = list(counts[0])
        totals = all_reduce_sum(torch.tensor([sum(c[name] for c in counts) for name in names]))
        return dict(zip(names, totals))

    # ---- training ------------------------------------------------------------------------------------------------
    def train(self) -> dict[str, Any]:
        args = self.args
        torch.manual_seed(args.seed + self.rank)  # different diffusion noise per rank; the model was built before
        model = self._prepare_model()
        optimizer = torch.optim.AdamW(parameter_groups(model, args.weight_decay, args.learning_rate, args.learning_rates),
                                      lr=args.learning_rate,
                                      betas=(args.adam_beta1, args.adam_beta2), eps=args.adam_epsilon)
        scheduler = get_scheduler(args.lr_scheduler_type, optimizer, num_warmup_steps=math.ceil(args.warmup_ratio * args.max_steps),
                                  num_training_steps=args.max_steps)
        start_step, state, data_state = 0, {"bad_steps_total": 0}, None
        checkpoints = list_checkpoints(self.output_dir) if args.resume else []
        if checkpoints:
            state = load_checkpoint(checkpoints[-1], model, optimizer, scheduler)
            start_step = state["step"]
            data_state = load_data_state(checkpoints[-1])
            logger.info("resumed from %s (step %d)", checkpoints[-1], start_step)
        metrics_log = MetricLogger(self.output_dir, [r for r in args.report_to if r != "none"], args.run_name,
                                   self.run_config, enabled=is_main_process(), resume_step=start_step)
        batches = self._batches(start_step * args.gradient_accumulation_steps, data_state)
        trainable = [p for p in model.parameters() if p.requires_grad]
        progress = tqdm(total=args.max_steps, initial=start_step, desc="train", disable=args.disable_tqdm or not is_main_process(),
                        dynamic_ncols=True)
        bad_in_a_row, last = 0, {}
        for step in range(start_step + 1, args.max_steps + 1):
            started = time.perf_counter()
            micro = [next(batches) for _ in range(args.gradient_accumulation_steps)]
            work = self._work(micro)
            totals = self._normaliser_totals(micro)
            # FSDP averages gradients over ranks, so each rank normalises by the global count / world size.
            normalisers = {name: (total / self.world).clamp(min=1e-6) for name, total in totals.items()}
            sums: torch.Tensor | None = None
            for batch in micro:
                batch = {k: v.to(self.device) for k, v in batch.items()}
                output = model(**batch, **normalisers)
                output.loss.backward()
                metrics = {"loss": output.loss.detach(), **(output.metrics or {})}
                values = torch.stack([metrics[name].float() for name in metrics]).cpu()
                sums = values if sums is None else sums + values
            sums = all_reduce_sum(sums) / self.world
            grad_norm = torch.nn.utils.clip_grad_norm_(trainable, args.max_grad_norm)
            grad_norm = grad_norm.full_tensor() if hasattr(grad_norm, "full_tensor") else grad_norm
            if not (torch.isfinite(sums).all() and torch.isfinite(grad_norm)):
                optimizer.zero_grad(set_to_none=True)
                bad_in_a_row += 1
                state["bad_steps_total"] = state.get("bad_steps_total", 0) + 1
                logger.warning("step %d: non-finite loss or gradient, update skipped (%d in a row)", step, bad_in_a_row)
                if bad_in_a_row >= args.max_bad_steps:
                    raise RuntimeError(f"{bad_in_a_row} consecutive non-finite steps; stopping. The last good checkpoint "
                                       f"in {self.output_dir} is intact; lower the learning rate or check the data.")
                continue
            bad_in_a_row = 0
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            elapsed = time.perf_counter() - started
            samples = args.per_device_train_batch_size * args.gradient_accumulation_steps * self.world
            last = {**{name: value.item() for name, value in zip(metrics, sums)},
                    "lr": scheduler.get_last_lr()[0], "grad_norm": float(grad_norm), "step_time": elapsed,
                    "samples_per_s": samples / elapsed,
                    # the normalisers' global totals (label tokens, dream images, …) under their plain names
                    **{name.removeprefix("num_"): int(total) for name, total in totals.items()},
                    "tokens_per_s": work["tokens"] / elapsed,  # real tokens, not padding
                    "padding_fraction": 1.0 - work["tokens"] / max(work["positions"], 1.0),
                    "images_per_s": (work["images_seen"] + work["images_created"]) / elapsed}
            for name, cache in self.feature_caches.items():  # this rank's share of inputs read from the cache so far
                last[f"feature_cache_hit_rate/{name}"] = cache.hit_rate
            if self.flops is not None:
                last["tflops_per_device"] = work["flops"] / self.world / elapsed / 1e12
                if self.peak_flops:
                    last["mfu"] = last["tflops_per_device"] * 1e12 / self.peak_flops
            if step % args.logging_steps == 0 or step == args.max_steps:
                metrics_log.log(last, step)
            progress.set_postfix({name.removesuffix("_loss"): f"{last[name]:.4f}" for name in metrics})
            progress.update(1)
            if args.save_steps and step % args.save_steps == 0 and step < args.max_steps:
                save_checkpoint(self.output_dir, step, model, optimizer, scheduler, state, args.save_total_limit,
                                self.data_position.state_dict())
        progress.close()
        for name, cache in self.feature_caches.items():
            logger.info("feature cache %s (%s): %d inputs read, %d computed and stored", name, cache.folder,
                        cache.hits, cache.misses)
        save_checkpoint(self.output_dir, args.max_steps, model, optimizer, scheduler, state, args.save_total_limit,
                        self.data_position.state_dict())
        export_pretrained(self.strategy.unwrap(model), self.output_dir, self.tokenizer,
                          include_frozen=args.export_frozen)
        metrics_log.close()
        barrier()
        if is_main_process():
            if metrics_log.path.exists():
                plot_metrics(metrics_log.path, self.output_dir / "loss.png")
            logger.info("done: %d steps; model exported to %s", args.max_steps, self.output_dir)
        return last
