"""Loss curves as PNG, because a person reads a curve faster than a JSONL file."""

from __future__ import annotations

import json
from pathlib import Path


def plot_metrics(metrics_file: str | Path, out: str | Path, keys: tuple[str, ...] = ("loss", "lm_loss", "vm_loss")) -> Path | None:
    """Plot the given metrics of a `metrics.jsonl` against the step; skips metrics that are all zero."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [json.loads(line) for line in Path(metrics_file).read_text().splitlines() if line.strip()]
    series = {k: [(r["step"], r[k]) for r in rows if k in r] for k in keys}
    series = {k: v for k, v in series.items() if v and any(value for _, value in v)}
    if not series:
        return None
    fig, axes = plt.subplots(1, len(series), figsize=(4 * len(series), 3), squeeze=False)
    for ax, (name, points) in zip(axes[0], series.items()):
        ax.plot([s for s, _ in points], [v for _, v in points], lw=1.2)
        ax.set_title(name)
        ax.set_xlabel("step")
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return Path(out)
