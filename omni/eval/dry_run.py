"""`python -m omni.eval run --benchmark NAME[,NAME...] --model DIR --dry_run`: check an evaluation job in seconds
before it waits in a queue for GPUs.

What it checks, loading no weights: that each benchmark is registered (a close name is suggested) and each of its
files is where it is expected under the evaluation root; that the model folder is a saved Omni model and every
backbone it loads (its LLM, its plugins' frozen towers) resolves to a local folder; and, for the benchmarks whose
files are present, how many items and batches the run will ask (`--limit` applied). Exit status: 0 when everything is
present, 2 when something is missing (listed), 1 when nothing can be planned (an unregistered benchmark).
"""

from __future__ import annotations

import math
from pathlib import Path

from omni.eval.benchmarks import Benchmark, get_benchmark


def _model_lines(model: str, missing: list[str]) -> list[str]:
    from transformers import AutoConfig, PretrainedConfig

    from omni.models.families import import_family
    from omni.models.zoo import backbone_names, locate

    folder = locate(model)
    if folder is None or not (folder / "config.json").exists():
        missing.append(f"model {model}: not a local folder, a model-zoo entry or a saved model (config.json)")
        return [f"- model: {model} → MISSING"]
    model_type = PretrainedConfig.get_config_dict(str(folder))[0].get("model_type")
    try:
        import_family(model_type)
        config = AutoConfig.from_pretrained(str(folder))
    except (ValueError, KeyError) as error:
        missing.append(f"model {folder}: config.json is not an Omni model's ({error})")
        return [f"- model: {folder} → not an Omni model"]
    lines = [f"- model: {folder} ({model_type}, template {getattr(config, 'conversation_template', '?')})"]
    for what, name in backbone_names(config):
        if not name:
            continue
        where = locate(name) or locate(folder / name)  # exports may name a backbone relative to themselves
        lines.append(f"- {what}: {name} → {f'present at {where}' if where else 'MISSING'}")
        if where is None:
            missing.append(f"model {folder}: its {what} {name} does not resolve (map it in $OMNI_MODEL_ZOO)")
    return lines


def _benchmark_lines(benchmark: Benchmark, root: str | Path | None, limit: int | None, batch_size: int,
                     missing: list[str]) -> list[str]:
    absent = [path for path in benchmark.paths(root) if not path.exists()]
    for path in absent:
        missing.append(f"benchmark {benchmark.name}: {path} ({benchmark.split})")
    if absent:
        return [f"| {benchmark.name} | {benchmark.task} | {benchmark.metric} | MISSING {len(absent)} of "
                f"{len(benchmark.files)} files | – |"]
    if benchmark.reader is None:  # text-to-image: captions are sampled at run time
        return [f"| {benchmark.name} | {benchmark.task} | {benchmark.metric} | present | {limit or 30000:,} captions |"]
    items = len(benchmark.read(root))
    asked = min(items, limit) if limit else items
    return [f"| {benchmark.name} | {benchmark.task} | {benchmark.metric} | present | {asked:,} of {items:,} items, "
            f"{math.ceil(asked / batch_size):,} batches of {batch_size} |"]


def eval_dry_run(benchmarks: str, model: str, root: str | Path | None = None, limit: int | None = None,
                 batch_size: int = 8) -> int:
    """Print the report; 0: ready, 2: files missing (listed), 1: a benchmark is not registered."""
    from omni.eval.benchmarks import default_eval_root

    names = [name.strip() for name in benchmarks.split(",") if name.strip()]
    missing: list[str] = []
    lines = [f"# Evaluation dry run: {model} on {len(names)} benchmark(s), evaluation root {root or default_eval_root()}",
             "", "## Model", *_model_lines(model, missing), "", "## Benchmarks",
             "| benchmark | task | metric | files | the run asks |", "|---|---|---|---|---|"]
    unknown = []
    for name in names:
        try:
            benchmark = get_benchmark(name)
        except KeyError as error:
            unknown.append(str(error).strip('"'))
            continue
        lines += _benchmark_lines(benchmark, root, limit, batch_size, missing)
    lines += ["", "## Verdict"]
    if unknown:
        lines += [f"- {problem}" for problem in unknown]
    if missing:
        lines += [f"{len(missing)} missing:", *[f"- {item}" for item in missing]]
    if not unknown and not missing:
        lines.append("everything is present: the evaluation can start")
    print("\n".join(lines))
    return 1 if unknown else 2 if missing else 0
