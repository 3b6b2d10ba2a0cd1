"""The xGen-MM toy recipe's table: the SFT with one view per image against any-resolution, then after DPO and after
safety tuning, on the toy measures each stage is meant to move (with chance where a figure has one).

  python -m projects.xgen_mm.report --runs work_dirs/xgen_mm_toy --out work_dirs/xgen_mm_toy/report.md
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

COLUMNS = [("SFT, one view", "stage2_sft_single_view"), ("SFT, any-resolution", "stage2_sft"),
           ("+ DPO (LoRA)", "stage3_dpo"), ("+ safety (LoRA)", "stage4_safety")]
ROWS = [
    ("Detail canvases", None, None),
    ("shape of a small shape", "detail_shape_small", 1 / 3), ("shape of a large shape", "detail_shape_large", 1 / 3),
    ("how many shapes", "detail_count", 1 / 3),
    ("Two pictures", None, None),
    ("which picture shows …", "multi_which", 1 / 2), ("what changed between them", "multi_changed", 1 / 4),
    ("Toy VQA", None, None), ("VQA accuracy", "vqa_accuracy", None),
    ("Hallucination (POPE-style)", None, None),
    ("yes/no accuracy", "hallucination_yesno_accuracy", 1 / 2),
    ("answers yes about an absent shape (lower is better)", "hallucination_yes_when_absent", None),
    ("captions with a wrong attribute (lower is better)", "hallucination_caption_wrong", None),
    ("true answer likelier than the hallucinated one", "hallucination_prefers_truth", 1 / 2),
    ("Safety", None, None),
    ("harmful requests refused", "safety_refusal_harmful", None),
    ("safe requests refused (lower is better)", "safety_refusal_safe", None),
    ("safe requests answered right", "safety_safe_accuracy", None),
]


def table(runs: Path) -> str:
    results: dict[str, dict[str, Any]] = {}
    for _, folder in COLUMNS:
        path = runs / folder / "eval" / "eval.json"
        results[folder] = json.loads(path.read_text()) if path.exists() else {}
    lines = ["| figure | " + " | ".join(name for name, _ in COLUMNS) + " | chance |",
             "|---|" + "---|" * (len(COLUMNS) + 1)]
    for label, key, chance in ROWS:
        if key is None:
            lines.append(f"| **{label}** |" + " |" * (len(COLUMNS) + 1))
            continue
        cells = [f"{100 * results[folder][key]:.1f}" if key in results[folder] else "–" for _, folder in COLUMNS]
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {'–' if chance is None else f'{100 * chance:.1f}'} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Tabulate the xGen-MM toy recipe")
    parser.add_argument("--runs", default="work_dirs/xgen_mm_toy")
    parser.add_argument("--out", default=None)
    args = parser.parse_args(argv)
    runs = Path(args.runs)
    recipe = runs / "recipe.json"
    header = "# xGen-MM on the toy world\n\nAccuracies in %; '–': not measured at that stage.\n\n"
    if recipe.exists():
        info = json.loads(recipe.read_text())
        machine = info.get("machine") or {}
        times = ", ".join(f"{name} {seconds} s" for name, seconds in (info.get("times") or {}).items())
        header += (f"Commit {info.get('commit')}; {machine.get('cpu')} ({machine.get('cpu_capability', '?')}), "
                   f"{machine.get('cpu_count')} CPUs, torch {machine.get('torch')}, {info.get('nproc')} process(es) "
                   f"per stage.\n\nWall-clock seconds of each part of the recipe: {times}.\n\n")
    text = header + table(runs) + "\n"
    out = Path(args.out or runs / "report.md")
    out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
