"""Write the toy recipe's report: the table in the paper's layout (toy SD vs DreamLLM after stage I vs after all
stages), the zoo's own quality, and a PNG grid of prompts and created images.

  python -m projects.dreamllm.report_toy --zoo zoo/toy --runs work_dirs/toy --out work_dirs/toy/report.md
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

ROWS = [
    ("Comprehension", None), ("caption accuracy (all 4 attributes)", "caption_all"),
    ("caption accuracy, held-out combinations", "caption_all_heldout"), ("caption: colour", "caption_color"),
    ("caption: shape", "caption_shape"), ("caption: size", "caption_size"), ("caption: position", "caption_position"),
    ("VQA accuracy", "vqa_accuracy"), ("VQA: colour questions", "vqa_color"), ("VQA: shape", "vqa_shape"),
    ("VQA: size", "vqa_size"), ("VQA: position", "vqa_position"), ("VQA: yes/no", "vqa_yesno"),
    ("Creation", None), ("creation accuracy (all 4)", "creation_all"), ("creation: colour", "creation_color"),
    ("creation: shape", "creation_shape"), ("creation: size", "creation_size"), ("creation: position", "creation_position"),
    ("creation accuracy, held-out combinations", "creation_all_heldout"), ("toy FID (toy-CLIP features, lower is better)", "fid"),
    ("Interleaved documents", None), ("story images right (all 4)", "interleaved_all"),
    ("story images: colour", "interleaved_color"), ("story images: position", "interleaved_position"),
    ("`<dream>` placed where the story has an image", "dream_placement"),
    ("Free-form documents (asked for a story with pictures)", None),
    ("documents with at least one image", "documents_with_images"),
    ("text before each image follows the world's grammar", "documents_images_readable"),
    ("created images agree with their story (all 4)", "documents_all"),
    ("created images: colour", "documents_color"), ("created images: position", "documents_position"),
]
CHANCE = {"caption_color": 1 / 8, "caption_shape": 1 / 3, "caption_size": 1 / 2, "caption_position": 1 / 9,
          "vqa_color": 1 / 8, "vqa_shape": 1 / 3, "vqa_size": 1 / 2, "vqa_position": 1 / 9, "vqa_yesno": 1 / 2,
          "caption_all": 1 / 432, "caption_all_heldout": 1 / 432, "creation_all": 1 / 432, "creation_all_heldout": 1 / 432,
          "creation_color": 1 / 8, "creation_shape": 1 / 3, "creation_size": 1 / 2, "creation_position": 1 / 9,
          "interleaved_all": 1 / 432, "interleaved_color": 1 / 8, "interleaved_position": 1 / 9,
          "documents_all": 1 / 432, "documents_color": 1 / 8, "documents_position": 1 / 9}


def _load(path: Path) -> dict[str, Any] | None:
    return json.loads(path.read_text()) if path.exists() else None


def _cell(value: Any, key: str) -> str:
    if value is None:
        return "–"
    return f"{value:.2f}" if key == "fid" else f"{100 * value:.1f}%"


def grid(columns: dict[str, Path], prompts: list[str], out: Path, count: int = 6, size: int = 96) -> Path:
    """Rows: prompts; columns: models; each cell the image that model created for that prompt."""
    label_width, header = 260, 24
    canvas = Image.new("RGB", (label_width + size * len(columns), header + size * count), "white")
    draw = ImageDraw.Draw(canvas)
    for c, name in enumerate(columns):
        draw.text((label_width + c * size + 4, 6), name, fill="black")
    for r, prompt in enumerate(prompts[:count]):
        draw.text((4, header + r * size + size // 2 - 6), prompt, fill="black")
        for c, folder in enumerate(columns.values()):
            path = folder / f"creation_{r:02d}.png"
            if path.exists():
                canvas.paste(Image.open(path).convert("RGB").resize((size, size), Image.NEAREST), (label_width + c * size, header + r * size))
    canvas.save(out)
    return out


def write_report(zoo: Path, runs: Path, out: Path, stage1: str, final: str, seconds: dict[str, float] | None = None) -> Path:
    columns = {"toy SD (baseline)": zoo / "sd" / "eval", "DreamLLM, stage I": runs / stage1 / "eval",
               "DreamLLM, stages I–III": runs / final / "eval"}
    results = {name: _load(folder / "eval.json") for name, folder in columns.items()}
    lines = ["# Toy-world DreamLLM: results", "",
             "Held-out split of the procedural toy world (64×64 images of one coloured shape; a tenth of the 432 attribute",
             "combinations never appear in training). Produced by `scripts/toyworld_recipe.sh`.", "",
             "| metric | chance | " + " | ".join(columns) + " |", "|---|---|" + "---|" * len(columns)]
    for label, key in ROWS:
        if key is None:
            lines.append(f"| **{label}** | | " + " | ".join("" for _ in columns) + " |")
            continue
        chance = _cell(CHANCE[key], key) if key in CHANCE else ""
        lines.append(f"| {label} | {chance} | " + " | ".join(_cell((r or {}).get(key), key) for r in results.values()) + " |")
    zoo_summary = _load(zoo / "zoo_summary.json")
    if zoo_summary:
        c = zoo_summary["components"]
        lines += ["", "## The toy zoo", "", "| model | quality | training |", "|---|---|---|",
                  f"| toy CLIP | image→caption top-1 among 432 captions: {100 * c['clip']['retrieval_top1']:.1f}% "
                  f"(held-out combinations {100 * (c['clip'].get('retrieval_top1_heldout') or 0):.1f}%) | {c['clip']['seconds']:.0f} s |",
                  f"| toy VAE | reconstruction PSNR {c['vae']['psnr']:.1f} dB | {c['vae']['seconds']:.0f} s |",
                  f"| toy LLaMA | held-out text perplexity {c['llama']['test_perplexity']:.2f}; answers chat questions about "
                  f"its context {100 * c['llama'].get('reading_accuracy', 0):.0f}% | {c['llama']['seconds']:.0f} s |",
                  f"| attribute classifier | real held-out images, all 4 right: {100 * c['classifier']['all']:.1f}% | {c['classifier']['seconds']:.0f} s |",
                  f"| toy SD (UNet) | text→image, all 4 right: {100 * c['sd'].get('t2i_all', 0):.1f}% | {c['sd']['seconds']:.0f} s |",
                  "", f"Zoo wall-clock time: {zoo_summary['seconds']:.0f} s (two trainers at a time, one thread each)."]
    if seconds:
        lines += ["", "## Time", "", "| step | seconds |", "|---|---|"] + [f"| {k} | {v:.0f} |" for k, v in seconds.items()]
    prompts = []
    final_eval = results["DreamLLM, stages I–III"] or results["DreamLLM, stage I"] or {}
    for pair in final_eval.get("caption_examples", []):
        prompts.append(pair[0])
    picture = grid({name: folder / "samples" for name, folder in columns.items()}, prompts or [""] * 6, out.with_name("creation_grid.png"))
    lines += ["", "## Created images", "", f"![prompts and created images]({picture.name})", ""]
    pages = [(name, folder / "documents.html") for name, folder in columns.items() if (folder / "documents.html").exists()]
    if pages:
        lines += ["Free-form interleaved documents: " + ", ".join(
            f"[{name}]({os.path.relpath(page, out.parent)})" for name, page in pages), ""]
    for name, r in results.items():
        if r and r.get("documents_examples"):
            lines += [f"Documents by {name} (text only; images on the page above):", ""] + [f"- {t}" for t in r["documents_examples"]] + [""]
    for name, r in results.items():
        if r and r.get("caption_examples"):
            lines += [f"Captions by {name} (truth → generated):", ""] + [f"- {t} → {g}" for t, g in r["caption_examples"]] + [""]
        if r and r.get("vqa_examples"):
            lines += [f"VQA by {name} (question, truth → answer):", ""] + [f"- {q}: {t} → {a}" for q, t, a in r["vqa_examples"]] + [""]
    out.write_text("\n".join(lines) + "\n")
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write the toy recipe's report.md and image grid")
    parser.add_argument("--zoo", default="zoo/toy")
    parser.add_argument("--runs", default="work_dirs/toy")
    parser.add_argument("--stage1", default="stage1_comprehension", help="the run evaluated as 'after stage I'")
    parser.add_argument("--final", default="stage3_sft")
    parser.add_argument("--out", default="work_dirs/toy/report.md")
    parser.add_argument("--times", help="JSON file of {step: seconds}")
    args = parser.parse_args(argv)
    times = json.loads(Path(args.times).read_text()) if args.times and Path(args.times).exists() else None
    print(write_report(Path(args.zoo), Path(args.runs), Path(args.out), args.stage1, args.final, times))


if __name__ == "__main__":
    main()
