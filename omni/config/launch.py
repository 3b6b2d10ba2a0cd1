"""`LazyLaunch`: the entry point of every training script.

`--config_file` plus hydra-grammar overrides become a typed `Arguments` dataclass (`model`, `data`, `training`), the
resolved config is saved in the run directory, and the run can be profiled with pyinstrument (an HTML report) or
torch.profiler (a Chrome trace) without touching the training code.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar, get_type_hints

from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from omni.config.lazy import LazyConfig
from omni.config.overrides import ConfigKeyError, apply_overrides, unknown_key_message

T = TypeVar("T")


def _check_keys(cls: type, node: Any, prefix: str) -> None:
    """Reject keys that the dataclass `cls` does not declare, recursively, naming the closest valid key."""
    if not isinstance(node, (Mapping, DictConfig)):
        return
    hints = get_type_hints(cls)
    fields = {f.name: hints[f.name] for f in dataclasses.fields(cls)}
    for key in node.keys():
        if key not in fields:
            valid = [f"{prefix}{name}" for name in fields]
            raise ConfigKeyError(unknown_key_message(f"{prefix}{key}", valid))
        if dataclasses.is_dataclass(fields[key]):
            _check_keys(fields[key], node[key], f"{prefix}{key}.")


def structured_config(cls: type, config: DictConfig | Mapping) -> DictConfig:
    """`config` merged over the dataclass `cls`'s defaults: every field exists (so overrides may name any of them)
    and assignments are type-checked. Unknown keys in `config` are rejected with the closest valid key."""
    _check_keys(cls, config, "")
    plain = OmegaConf.to_container(config) if isinstance(config, DictConfig) else dict(config)
    return OmegaConf.merge(OmegaConf.structured(cls), OmegaConf.create(plain))


def to_dataclass(cls: type[T], config: DictConfig | Mapping) -> T:
    """Validate `config` against the dataclass `cls` (unknown keys, value types) and build it."""
    return OmegaConf.to_object(structured_config(cls, config))  # type: ignore[return-value]


def parse_args(argv: Sequence[str] | None = None) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(description="Launch an Omni job from a lazy config file plus overrides.")
    parser.add_argument("--config_file", required=True, help="Python (or saved YAML) lazy config file")
    parser.add_argument("--profile", choices=["pyinstrument", "torch"], default=None, help="profile the run")
    parser.add_argument("--dry_run", action="store_true", help="check the job (model on meta, weights, data, memory "
                        "plan) and exit without training")
    parser.add_argument("--world_size", type=int, default=None, help="GPUs the dry run plans for (default: "
                        "$WORLD_SIZE or 1)")
    return parser.parse_known_args(argv)


def load_config(config_file: str, overrides: Sequence[str], arguments_cls: type | None = None) -> DictConfig:
    """The config file, over the defaults of `arguments_cls` if given, with the overrides applied."""
    bad = [o for o in overrides if o.startswith("--")]
    if bad:
        raise ValueError(f"unknown option(s) {bad}; overrides are written key=value, e.g. \"training.max_steps=10\"")
    config = LazyConfig.load(config_file)
    if arguments_cls is not None:
        config = structured_config(arguments_cls, config)
    return apply_overrides(config, overrides)


def _rank() -> int:
    return int(os.environ.get("RANK", "0"))


class LazyLaunch:
    """`LazyLaunch(main, Arguments, dry_run)` parses the command line, builds `Arguments` and calls `main(args)`, or
    with `--dry_run` calls `dry_run(args, world_size)` and exits with its status."""

    def __init__(self, main: Callable[[Any], Any], arguments_cls: type, dry_run: Callable[[Any, int], int] | None = None,
                 argv: Sequence[str] | None = None):
        options, overrides = parse_args(sys.argv[1:] if argv is None else argv)
        try:
            config = load_config(options.config_file, overrides, arguments_cls)
            args = OmegaConf.to_object(config)
        except (ConfigKeyError, ValueError, FileNotFoundError, OmegaConfBaseException) as error:
            raise SystemExit(f"config error: {error}") from None
        if options.dry_run:
            if dry_run is None:
                raise SystemExit("this entry point has no dry run")
            try:
                status = dry_run(args, options.world_size or int(os.environ.get("WORLD_SIZE", "1")))
            except (ValueError, KeyError, FileNotFoundError) as error:
                raise SystemExit(f"dry run: config error: {error}") from None
            raise SystemExit(status)
        output_dir = getattr(getattr(args, "training", None), "output_dir", None)
        if output_dir and _rank() == 0:
            LazyConfig.save(config, Path(output_dir) / "config.yaml")
        self.result = self._run(main, args, options.profile, output_dir or ".")

    @staticmethod
    def _run(main: Callable[[Any], Any], args: Any, profile: str | None, output_dir: str) -> Any:
        out = Path(output_dir)
        if profile == "pyinstrument":
            from pyinstrument import Profiler

            profiler = Profiler()
            profiler.start()
            try:
                return main(args)
            finally:
                profiler.stop()
                out.mkdir(parents=True, exist_ok=True)
                report = out / f"profile_rank{_rank()}.html"
                report.write_text(profiler.output_html())
                print(f"pyinstrument report: {report}")
        if profile == "torch":
            import torch

            activities = [torch.profiler.ProfilerActivity.CPU]
            if torch.cuda.is_available():
                activities.append(torch.profiler.ProfilerActivity.CUDA)
            with torch.profiler.profile(activities=activities, record_shapes=True) as prof:
                result = main(args)
            out.mkdir(parents=True, exist_ok=True)
            trace = out / f"torch_trace_rank{_rank()}.json"
            prof.export_chrome_trace(str(trace))
            print(f"torch.profiler trace: {trace}")
            return result
        return main(args)
