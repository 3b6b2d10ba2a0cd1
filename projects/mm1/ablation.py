"""MM1's connector ablation on the toy world: connector type × visual tokens × image resolution → VQA and caption
accuracy after the same training budget, each cell with several seeds.

    python -m projects.mm1.ablation --out work_dirs/mm1_ablation [--seeds 0 1] [--steps 400] [--parallel 2]

Each cell trains `projects/mm1/configs/toy/ablation.py` (connector and LLM, ViT frozen) in its own process and is
evaluated by `omni.eval.toyworld` on held-out captions and questions. A cell whose evaluation exists is not rerun, so
a killed ablation resumes where it stopped. The table (`ablation.md`, `ablation.json`) gives each cell's mean and
range over seeds, and each factor's main effect (the mean over all cells at each of its levels), which is what MM1's
claim is about: resolution and token count matter more than the connector's type (MM1 §3.2).
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from omni.utils.logging import get_logger
from omni.utils.machine import machine_info

logger = get_logger(__name__)

CONFIG = Path(__file__).parent / "configs" / "toy" / "ablation.py"
FIGURES = ("vqa_accuracy", "caption_all", "caption_color", "caption_shape", "caption_size", "caption_position")


def connector_spec(kind: str, tokens: int) -> dict[str, Any]:
    """Each connector at toy size with `tokens` outputs (the toy CLIP is 128 wide)."""
    specs = {
        "avg_pool": {"type": "avg_pool", "num_queries": tokens},
        "attn_pool": {"type": "attn_pool", "num_queries": tokens},
        "c_abstractor": {"type": "c_abstractor", "num_queries": tokens, "hidden_size": 128, "depth": 2},
        "perceiver": {"type": "perceiver", "num_latents": tokens, "depth": 2, "dim_head": 32, "heads": 4},
    }
    if kind not in specs:
        raise ValueError(f"unknown connector {kind!r} for the ablation: choose from {sorted(specs)}")
    return specs[kind]


@dataclass(frozen=True)
class Cell:
    connector: str
    tokens: int
    resolution: int
    seed: int

    @property
    def name(self) -> str:
        return f"{self.connector}-t{self.tokens}-r{self.resolution}-s{self.seed}"

    def overrides(self, out: Path, zoo: str, steps: int) -> list[str]:
        spec = "{" + ",".join(f"{key}:{value}" for key, value in connector_spec(self.connector, self.tokens).items()) + "}"
        return [f"model.config.zoo_dir='{zoo}'", f"model.tokenizer_name_or_path='{zoo}/llama'",
                f"model.config.projector={spec}", f"model.config.image_size={self.resolution}",
                f"training.seed={42 + self.seed}", f"training.max_steps={steps}",
                f"training.output_dir='{out / self.name}'"]


def run_cell(cell: Cell, out: Path, zoo: str, data_root: str, steps: int, num: int) -> dict[str, Any]:
    """Train and evaluate one cell in fresh processes (its log in `<cell>/ablation.log`); an evaluated cell is read."""
    folder = out / cell.name
    result_file = folder / "eval" / "eval.json"
    if not result_file.exists():
        folder.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "OMP_NUM_THREADS": "1", "WANDB_MODE": "offline", "TOKENIZERS_PARALLELISM": "false",
               "OMNI_DATA_ROOT": data_root}
        started = time.time()
        with open(folder / "ablation.log", "w") as log:
            for command in (
                [sys.executable, "-m", "projects.mm1.train", "--config_file", str(CONFIG), *cell.overrides(out, zoo, steps)],
                [sys.executable, "-m", "omni.eval.toyworld", "--model", str(folder), "--zoo", zoo, "--data_root",
                 data_root, "--num", str(num), "--seed", str(cell.seed), "--tasks", "captions", "vqa"],
            ):
                if subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, env=env).returncode:
                    raise RuntimeError(f"ablation cell {cell.name} failed: see {folder / 'ablation.log'}")
        (folder / "ablation_seconds.txt").write_text(f"{time.time() - started:.0f}\n")
    result = json.loads(result_file.read_text())
    seconds_file = folder / "ablation_seconds.txt"
    result["cell_seconds"] = float(seconds_file.read_text()) if seconds_file.exists() else None
    result["connector_parameters"] = connector_parameters(folder)
    logger.info("%s: VQA %.1f%%, captions %.1f%%", cell.name, 100 * result["vqa_accuracy"], 100 * result["caption_all"])
    return result


def connector_parameters(folder: Path) -> int | None:
    """Parameters of the trained connector, from the run's saved weights."""
    from safetensors import safe_open

    total = 0
    for shard in folder.glob("*.safetensors"):
        with safe_open(shard, "pt") as weights:
            for key in weights.keys():
                if ".projector." in key:
                    total += math.prod(weights.get_slice(key).get_shape())
    return total or None


def summarise(results: dict[Cell, dict[str, Any]]) -> dict[str, Any]:
    """Per configuration (over seeds) mean and range of each figure, and each factor's main effect."""
    def stats(values: list[float]) -> dict[str, float]:
        return {"mean": sum(values) / len(values), "min": min(values), "max": max(values), "n": len(values)}

    groups: dict[tuple[str, int, int], list[dict[str, Any]]] = {}
    for cell, result in results.items():
        groups.setdefault((cell.connector, cell.tokens, cell.resolution), []).append(result)
    rows = []
    for (connector, tokens, resolution), runs in sorted(groups.items()):
        rows.append({"connector": connector, "tokens": tokens, "resolution": resolution,
                     "parameters": runs[0]["connector_parameters"],
                     "seconds": stats([r["cell_seconds"] for r in runs if r["cell_seconds"] is not None] or [0.0]),
                     **{figure: stats([r[figure] for r in runs]) for figure in FIGURES}})
    effects = {}
    for factor in ("connector", "tokens", "resolution"):
        levels: dict[Any, list[dict[str, Any]]] = {}
        for row in rows:
            levels.setdefault(row[factor], []).append(row)
        effects[factor] = {str(level): {figure: sum(r[figure]["mean"] for r in level_rows) / len(level_rows)
                                        for figure in FIGURES} for level, level_rows in sorted(levels.items())}
        level_means = list(effects[factor].values())  # their spread: how much that factor moves each figure
        effects[factor]["_spread"] = {figure: max(m[figure] for m in level_means) - min(m[figure] for m in level_means)
                                      for figure in FIGURES}
    return {"rows": rows, "main_effects": effects}


def table(summary: dict[str, Any], seeds: list[int], num: int) -> str:
    def pct(s: dict[str, float]) -> str:
        return f"{100 * s['mean']:.1f} ({100 * s['min']:.1f}–{100 * s['max']:.1f})" if s["n"] > 1 else f"{100 * s['mean']:.1f}"

    lines = [f"Mean (range over seeds {', '.join(map(str, seeds))}), % of {num} held-out items.", "",
             "| connector | tokens | resolution | connector params | VQA | captions all four | colour | shape | size | position | s/cell |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for row in summary["rows"]:
        lines.append(f"| {row['connector']} | {row['tokens']} | {row['resolution']} px | {row['parameters']:,} | "
                     + " | ".join(pct(row[f]) for f in FIGURES) + f" | {row['seconds']['mean']:.0f} |")
    lines += ["", "Main effects: the mean over every cell at each level of one factor; 'spread' is the largest minus "
              "the smallest level mean (points).", "",
              "| factor | level | VQA | captions all four | colour | shape | size | position |", "|---|---|---|---|---|---|---|---|"]
    for factor, levels in summary["main_effects"].items():
        for level, figures in levels.items():
            lines.append(f"| {factor} | {'**spread**' if level == '_spread' else level} | "
                         + " | ".join(f"{100 * figures[f]:.1f}" for f in FIGURES) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="work_dirs/mm1_ablation")
    parser.add_argument("--zoo", default="zoo/toy")
    parser.add_argument("--data_root", default="data")
    parser.add_argument("--connectors", nargs="+", default=["avg_pool", "attn_pool", "c_abstractor", "perceiver"])
    parser.add_argument("--tokens", nargs="+", type=int, default=[4, 16])
    parser.add_argument("--resolutions", nargs="+", type=int, default=[32, 64],
                        help="pixels; the toy CLIP was trained at 64 (another size interpolates its position embeddings)")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1])
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--num", type=int, default=256, help="held-out captions and questions per cell")
    parser.add_argument("--parallel", type=int, default=2, help="cells at once (each one process, one thread)")
    args = parser.parse_args(argv)
    for kind in args.connectors:
        connector_spec(kind, 4)  # unknown names fail before anything runs
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    cells = [Cell(*values) for values in itertools.product(args.connectors, args.tokens, args.resolutions, args.seeds)]
    started = time.time()
    with ThreadPoolExecutor(args.parallel) as pool:
        done = list(pool.map(lambda cell: run_cell(cell, out, args.zoo, args.data_root, args.steps, args.num), cells))
    summary = summarise(dict(zip(cells, done)))
    summary.update(command=" ".join(["python -m projects.mm1.ablation", *(argv if argv is not None else sys.argv[1:])]),
                   seconds=round(time.time() - started), steps=args.steps, seeds=args.seeds, machine=machine_info())
    (out / "ablation.json").write_text(json.dumps(summary, indent=1))
    text = table(summary, args.seeds, args.num)
    (out / "ablation.md").write_text(f"`{summary['command']}`: {summary['seconds']} s\n\n{text}")
    print(text)


if __name__ == "__main__":
    main()
