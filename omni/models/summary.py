"""A table of a model's parameters per module: trainable and frozen, per training stage, and the bytes they need.

Printed at the start of every run, and by `python -m omni summary` for full-size configs built on the `meta` device.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from torch import nn

from omni.models.trainable import trainable_names


def module_rows(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """The modules worth a row: the LLM, and each plugin's parts (or the plugin itself if it has none)."""
    rows: list[tuple[str, nn.Module]] = []
    for name, child in model.named_children():
        if name == "plugins":
            for plugin_name, plugin in child.named_children():
                parts = [(n, m) for n, m in plugin.named_children() if any(True for _ in m.parameters())]
                if parts:
                    rows += [(f"plugins.{plugin_name}.{n}", m) for n, m in parts]
                else:
                    rows.append((f"plugins.{plugin_name}", plugin))
        else:
            rows.append((name, child))
    return rows


def summarize(model: nn.Module, stages: Mapping[str, Sequence[str]] | None = None) -> dict[str, Any]:
    stages = dict(stages or {})
    stage_names = {stage: trainable_names(model, patterns) for stage, patterns in stages.items()}
    params = dict(model.named_parameters())
    modules: dict[str, dict[str, Any]] = {}
    for name, module in module_rows(model):
        entry: dict[str, Any] = {"params": 0, "trainable": 0, "stages": {stage: 0 for stage in stages}}
        for pname, parameter in module.named_parameters():
            full = f"{name}.{pname}"
            entry["params"] += parameter.numel()
            entry["trainable"] += parameter.numel() if parameter.requires_grad else 0
            for stage, names in stage_names.items():
                entry["stages"][stage] += parameter.numel() if full in names else 0
        modules[name] = entry
    total = sum(p.numel() for p in params.values())
    trainable = sum(p.numel() for p in params.values() if p.requires_grad)
    stage_totals = {stage: sum(params[n].numel() for n in names) for stage, names in stage_names.items()}
    memory = {stage: bf16_memory(total, count) for stage, count in {"current": trainable, **stage_totals}.items()}
    return {"total_params": total, "trainable_params": trainable, "modules": modules, "stages": stage_totals,
            "memory_bytes": memory}


def bf16_memory(total: int, trainable: int) -> dict[str, int]:
    """Bytes for bf16 weights, bf16 gradients of the trainable part, and AdamW's two moments in bf16 and in fp32."""
    return {"weights_bf16": 2 * total, "grads_bf16": 2 * trainable, "adamw_state_bf16": 4 * trainable,
            "adamw_state_fp32": 8 * trainable}


def _human(n: float, unit: str = "") -> str:
    for suffix, scale in (("T", 1e12), ("G", 1e9), ("M", 1e6), ("K", 1e3)):
        if abs(n) >= scale:
            return f"{n / scale:.2f}{suffix}{unit}"
    return f"{n:.0f}{unit}"


def format_summary(summary: dict[str, Any]) -> str:
    stages = list(summary["stages"])
    header = ["module", "params", "trainable", "frozen", *[f"train@{s}" for s in stages]]
    rows = [header]
    for name, entry in summary["modules"].items():
        rows.append([name, f"{entry['params']:,}", f"{entry['trainable']:,}", f"{entry['params'] - entry['trainable']:,}",
                     *[f"{entry['stages'][s]:,}" for s in stages]])
    total, trainable = summary["total_params"], summary["trainable_params"]
    rows.append(["total", f"{total:,}", f"{trainable:,}", f"{total - trainable:,}", *[f"{summary['stages'][s]:,}" for s in stages]])
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))) for r in rows]
    lines.insert(1, "-" * len(lines[0]))
    lines.insert(len(lines) - 1, "-" * len(lines[0]))
    memory_rows = [["memory (bytes)", "weights bf16", "grads bf16", "AdamW bf16", "AdamW fp32"]]
    for stage, mem in summary["memory_bytes"].items():
        memory_rows.append([stage, _human(mem["weights_bf16"], "B"), _human(mem["grads_bf16"], "B"),
                            _human(mem["adamw_state_bf16"], "B"), _human(mem["adamw_state_fp32"], "B")])
    mwidths = [max(len(r[i]) for r in memory_rows) for i in range(5)]
    lines += [""] + ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, mwidths)))
                     for r in memory_rows]
    return "\n".join(lines)
