"""Write the toy recipe's report: the table in the paper's layout (toy SD vs DreamLLM after stage I vs after all
stages), the zoo's own quality, and a PNG grid of prompts and created images.

  python -m projects.dreamllm.report_toy --runs work_dirs/toy --out work_dirs/toy/report.md
  python -m projects.dreamllm.report_toy --runs work_dirs/toy work_dirs/toy-seed1 work_dirs/toy-seed2 --out spread.md

With several runs (the recipe with different `SEED`s) every cell is the mean with the range over the runs: one run's
figure says little, since training amplifies small differences between seeds and between machines.
"""

from __future__ import annotations

import argparse
import json
import os
from dataclasses import dataclass, field
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
    ("Chats (a question about a picture, then a drawing request)", None),
    ("the question answered", "chat_answer_accuracy"), ("the drawing request answered with an image", "chat_draws"),
    ("what is drawn (all 4, of the chats that drew)", "chat_creation_all"),
    ("what is drawn: colour", "chat_creation_color"), ("what is drawn: position", "chat_creation_position"),
    ("what is drawn matches the attached picture instead (all 4)", "chat_like_attached_all"),
]
CHANCE = {"caption_color": 1 / 8, "caption_shape": 1 / 3, "caption_size": 1 / 2, "caption_position": 1 / 9,
          "vqa_color": 1 / 8, "vqa_shape": 1 / 3, "vqa_size": 1 / 2, "vqa_position": 1 / 9, "vqa_yesno": 1 / 2,
          "caption_all": 1 / 432, "caption_all_heldout": 1 / 432, "creation_all": 1 / 432, "creation_all_heldout": 1 / 432,
          "creation_color": 1 / 8, "creation_shape": 1 / 3, "creation_size": 1 / 2, "creation_position": 1 / 9,
          "interleaved_all": 1 / 432, "interleaved_color": 1 / 8, "interleaved_position": 1 / 9,
          "documents_all": 1 / 432, "documents_color": 1 / 8, "documents_position": 1 / 9, "chat_creation_all": 1 / 432,
          "chat_creation_color": 1 / 8, "chat_creation_position": 1 / 9, "chat_like_attached_all": 1 / 432}


def _load(path: Path) -> dict[str, Any] | None:
    return json.loads(path.read_text()) if path.exists() else None


@dataclass
class RecipeRun:
    """One run of the recipe: its folder, its zoo, and what `scripts/toyworld_recipe.sh` recorded in recipe.json."""

    folder: Path
    zoo: Path
    seed: int | None = None
    commit: str | None = None
    machine: dict[str, Any] | None = None
    times: dict[str, float] = field(default_factory=dict)

    @classmethod
    def load(cls, folder: Path, zoo: Path | None = None, times: dict[str, float] | None = None) -> RecipeRun:
        recipe = _load(folder / "recipe.json") or {}
        return cls(folder, Path(zoo or recipe.get("zoo") or "zoo/toy"), recipe.get("seed"), recipe.get("commit"),
                   recipe.get("machine"), times or recipe.get("times") or {})

    def eval_folders(self, stage1: str, final: str) -> dict[str, Path]:
        sd = self.folder / "toy_sd" / "eval"  # older recipes evaluated the toy SD into the zoo's folder
        return {"toy SD (baseline)": sd if sd.exists() else self.zoo / "sd" / "eval",
                "DreamLLM, stage I": self.folder / stage1 / "eval", "DreamLLM, stages I–III": self.folder / final / "eval"}


# unit → (scale, format, suffix) of a figure
_UNITS = {"%": (100, "{:.1f}", "%"), "": (1, "{:.2f}", ""), "s": (1, "{:.0f}", " s"), "dB": (1, "{:.1f}", " dB")}


def _cell(values: list[Any], unit: str = "%") -> str:
    """One figure, or the mean over runs with its range."""
    scale, form, suffix = _UNITS[unit]
    shown = [scale * v for v in values if v is not None]
    if not shown:
        return "–"
    mean = form.format(sum(shown) / len(shown)) + suffix
    return mean if len(shown) == 1 else f"{mean} ({form.format(min(shown))}–{form.format(max(shown))})"


def _unit(key: str) -> str:
    return "" if key == "fid" else "%"


def _machine(machine: dict[str, Any] | None) -> str:
    if not machine:
        return "not recorded"
    capability = f" ({machine['cpu_capability']})" if machine.get("cpu_capability") else ""
    return (f"{machine.get('cpu')}{capability}, {machine.get('cpu_count')} CPUs, torch {machine.get('torch')} "
            f"({machine.get('omp_num_threads') or machine.get('torch_threads')} thread(s) per process)")


def _wrap(draw: ImageDraw.ImageDraw, text: str, width: int) -> list[str]:
    """`text` broken into lines no wider than `width` pixels (a word wider than that keeps its own line)."""
    lines: list[str] = []
    for word in text.split():
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and draw.textlength(candidate) <= width:
            lines[-1] = candidate
        else:
            lines.append(word)
    return lines or [""]


def grid(columns: dict[str, Path], prompts: list[str], out: Path, count: int = 6, size: int = 96) -> Path:
    """Rows: prompts; columns: models; each cell the image that model created for that prompt. The column names are
    wrapped to the column's width and the header is as tall as the longest; the prompt band is as wide as the longest
    prompt (capped, then wrapped), so nothing is clipped and no band is left blank."""
    measure = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    pad, line = 4, 12
    # the default font has no en dash ("stages I–III"): draw a hyphen rather than a missing-glyph box
    headers = [_wrap(measure, name.replace("–", "-"), size - 2 * pad) for name in columns]
    header = pad * 2 + line * max(len(h) for h in headers)
    rows = prompts[:count]
    label_width = min(260, max([measure.textlength(p) for p in rows] + [0.0])) + 2 * pad
    labels = [_wrap(measure, prompt, int(label_width) - 2 * pad) for prompt in rows]
    canvas = Image.new("RGB", (int(label_width) + size * len(columns), header + size * len(rows)), "white")
    draw = ImageDraw.Draw(canvas)
    left = int(label_width)
    for c, lines in enumerate(headers):
        for k, text in enumerate(lines):
            draw.text((left + c * size + pad, pad + k * line), text, fill="black")
    for r, lines in enumerate(labels):
        top = header + r * size + (size - line * len(lines)) // 2
        for k, text in enumerate(lines):
            draw.text((pad, top + k * line), text, fill="black")
        for c, folder in enumerate(columns.values()):
            path = folder / f"creation_{r:02d}.png"
            if path.exists():
                canvas.paste(Image.open(path).convert("RGB").resize((size, size), Image.NEAREST), (left + c * size, header + r * size))
    canvas.save(out)
    return out


def _zoo_lines(summaries: list[dict[str, Any]]) -> list[str]:
    def cell(component: str, key: str, unit: str = "%") -> str:
        return _cell([s["components"][component].get(key) for s in summaries], unit)

    attributes = (("colour", "color"), ("shape", "shape"), ("size", "size"), ("position", "position"))
    sd = ", ".join(f"{label} {cell('sd', f't2i_{key}')}" for label, key in attributes)
    reading = ", ".join(f"{label} {cell('llama', f'reading_{key}')}" for label, key in (*attributes, ("yes/no", "yesno")))
    return ["", "## The toy zoo", "", "| model | quality | training |", "|---|---|---|",
            f"| toy CLIP | image→caption top-1 among 432 captions: {cell('clip', 'retrieval_top1')} "
            f"(held-out combinations {cell('clip', 'retrieval_top1_heldout')}) | {cell('clip', 'seconds', 's')} |",
            f"| toy VAE | reconstruction PSNR {cell('vae', 'psnr', 'dB')}; reconstructions keep all 4 attributes "
            f"{cell('vae', 'recon_all')} (shape {cell('vae', 'recon_shape')}) | {cell('vae', 'seconds', 's')} |",
            f"| toy LLaMA | held-out text perplexity {cell('llama', 'test_perplexity', '')}; answers chat questions "
            f"about its context {cell('llama', 'reading_accuracy')} ({reading}) | {cell('llama', 'seconds', 's')} |",
            f"| attribute classifier | real held-out images, all 4 right: {cell('classifier', 'all')} "
            f"| {cell('classifier', 'seconds', 's')} |",
            f"| toy SD (UNet) | text→image, all 4 right: {cell('sd', 't2i_all')}; {sd} | {cell('sd', 'seconds', 's')} |",
            "", f"Zoo wall-clock time: {_cell([s['seconds'] for s in summaries], 's')} (two trainers at a time, one thread each)."]


def write_report(runs: list[RecipeRun], out: Path, stage1: str = "stage1_joint", final: str = "stage3_sft") -> Path:
    folders = [run.eval_folders(stage1, final) for run in runs]
    columns = list(folders[0])
    results = {name: [_load(f[name] / "eval.json") or {} for f in folders] for name in columns}
    several = len(runs) > 1
    lines = ["# Toy-world DreamLLM: results", "",
             "Held-out split of the procedural toy world (64×64 images of one coloured shape; a tenth of the 432 attribute",
             "combinations never appear in training). Produced by `scripts/toyworld_recipe.sh`."]
    if several:
        lines += ["", f"Mean over {len(runs)} runs (seeds {', '.join(str(r.seed) for r in runs)}), range in brackets."]
    lines += ["", "| metric | chance | " + " | ".join(columns) + " |", "|---|---|" + "---|" * len(columns)]
    for label, key in ROWS:
        if key is None:
            lines.append(f"| **{label}** | | " + " | ".join("" for _ in columns) + " |")
            continue
        chance = _cell([CHANCE[key]], _unit(key)) if key in CHANCE else ""
        lines.append(f"| {label} | {chance} | " + " | ".join(_cell([r.get(key) for r in results[n]], _unit(key)) for n in columns) + " |")
    summaries = [s for run in runs if (s := _load(run.zoo / "zoo_summary.json"))]
    if summaries:
        lines += _zoo_lines(summaries)
    lines += ["", "## Runs", "", "| run | seed | commit | machine | total seconds |", "|---|---|---|---|---|"]
    lines += [f"| {os.path.relpath(run.folder, out.parent)} | {run.seed if run.seed is not None else '–'} | {run.commit or '–'} "
              f"| {_machine(run.machine)} | {run.times.get('total', '–')} |" for run in runs]
    times = [run.times for run in runs if run.times]
    if times:
        steps = list(dict.fromkeys(step for t in times for step in t))
        lines += ["", "## Time", "", "| step | seconds |", "|---|---|"]
        lines += [f"| {step} | {_cell([t.get(step) for t in times], 's').replace(' s', '')} |" for step in steps]
    first = {name: results[name][0] for name in columns}
    final_eval = first["DreamLLM, stages I–III"] or first["DreamLLM, stage I"] or {}
    prompts = [pair[0] for pair in final_eval.get("caption_examples", [])]
    picture = grid({name: folder / "samples" for name, folder in folders[0].items()}, prompts or [""] * 6,
                   out.with_name("creation_grid.png"))
    lines += ["", "## Created images" + (f" (seed {runs[0].seed})" if several else ""), "",
              f"![prompts and created images]({picture.name})", ""]
    pages = [(f"{name}" + (f", seed {run.seed}" if several else ""), f[name] / "documents.html")
             for run, f in zip(runs, folders) for name in columns if (f[name] / "documents.html").exists()]
    if pages:
        lines += ["Free-form interleaved documents: " + ", ".join(
            f"[{name}]({os.path.relpath(page, out.parent)})" for name, page in pages), ""]
    for name, r in first.items():
        if r.get("documents_examples"):
            lines += [f"Documents by {name} (text only; images on the page above):", ""] + [f"- {t}" for t in r["documents_examples"]] + [""]
    for name, r in first.items():
        if r.get("caption_examples"):
            lines += [f"Captions by {name} (truth → generated):", ""] + [f"- {t} → {g}" for t, g in r["caption_examples"]] + [""]
        if r.get("vqa_examples"):
            lines += [f"VQA by {name} (question, truth → answer):", ""] + [f"- {q}: {t} → {a}" for q, t, a in r["vqa_examples"]] + [""]
    out.write_text("\n".join(lines) + "\n")
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write the toy recipe's report.md and image grid")
    parser.add_argument("--runs", nargs="+", default=["work_dirs/toy"],
                        help="one recipe run folder, or several (one per seed): mean and range per figure")
    parser.add_argument("--zoo", help="the zoo of every run (default: what each run's recipe.json names, else zoo/toy)")
    parser.add_argument("--stage1", default="stage1_joint", help="the run evaluated as 'after stage I'")
    parser.add_argument("--final", default="stage3_sft")
    parser.add_argument("--out", help="default: report.md in the first run's folder")
    parser.add_argument("--times", help="JSON file of {step: seconds} (default: each run's recipe.json)")
    args = parser.parse_args(argv)
    times = json.loads(Path(args.times).read_text()) if args.times and Path(args.times).exists() else None
    runs = [RecipeRun.load(Path(folder), Path(args.zoo) if args.zoo else None, times) for folder in args.runs]
    missing = [str(run.folder) for run in runs if not run.folder.is_dir()]
    if missing:
        parser.error(f"no such run folder: {', '.join(missing)}")
    out = Path(args.out) if args.out else runs[0].folder / "report.md"
    print(write_report(runs, out, args.stage1, args.final))


if __name__ == "__main__":
    main()
