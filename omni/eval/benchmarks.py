"""The standard benchmarks as registered local datasets: what files each needs, where, and which metric scores it.

Nothing is downloaded. Paths are relative to the evaluation root (`$OMNI_EVAL_ROOT`, default `./data/eval`), in the
layouts the benchmarks' official releases unpack to; `python -m omni.eval --list` shows which are present.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Benchmark:
    name: str
    task: str  # vqa | caption | pope | mmbench | t2i
    metric: str  # the function in omni.eval that scores it
    files: tuple[str, ...]  # relative to the evaluation root
    split: str
    note: str = ""

    def paths(self, root: str | Path | None = None) -> list[Path]:
        return [Path(root or default_eval_root()) / f for f in self.files]

    def is_present(self, root: str | Path | None = None) -> bool:
        return all(p.exists() for p in self.paths(root))


def default_eval_root() -> Path:
    return Path(os.environ.get("OMNI_EVAL_ROOT", "data/eval"))


BENCHMARKS = {b.name: b for b in [
    Benchmark("vqav2", "vqa", "omni.eval.vqa.vqa_accuracy", ("vqav2/v2_OpenEnded_mscoco_val2014_questions.json",
              "vqav2/v2_mscoco_val2014_annotations.json", "coco/val2014"), "val2014 (test-dev through the server)"),
    Benchmark("okvqa", "vqa", "omni.eval.vqa.vqa_accuracy", ("okvqa/OpenEnded_mscoco_val2014_questions.json",
              "okvqa/mscoco_val2014_annotations.json", "coco/val2014"), "val2014"),
    Benchmark("vizwiz", "vqa", "omni.eval.vqa.vqa_accuracy", ("vizwiz/val.json", "vizwiz/val"), "val",
              "answers include 'unanswerable'"),
    Benchmark("textvqa", "vqa", "omni.eval.vqa.vqa_accuracy", ("textvqa/TextVQA_0.5.1_val.json", "textvqa/train_images"),
              "val", "images of the val split live in train_images"),
    Benchmark("coco_captions", "caption", "omni.eval.captions.caption_scores",
              ("coco/annotations/captions_val2014.json", "coco/val2014"), "Karpathy test or val2014"),
    Benchmark("pope", "pope", "omni.eval.pope.pope_metrics", ("pope/coco_pope_random.json",
              "pope/coco_pope_popular.json", "pope/coco_pope_adversarial.json", "coco/val2014"), "random/popular/adversarial"),
    Benchmark("mmbench", "mmbench", "omni.eval.mmbench.circular_accuracy", ("mmbench/mmbench_dev_20230712.tsv",),
              "dev", "images are base64 inside the TSV; test answers through the server"),
    Benchmark("coco30k_fid", "t2i", "omni.eval.t2i.fid", ("coco/annotations/captions_val2014.json", "coco/val2014",
              "weights/pt_inception-2015-12-05-6726825d.pth"), "val2014, 30,000 captions (sample_coco_captions)"),
]}


def table(root: str | Path | None = None) -> str:
    rows = [("name", "present", "task", "split", "files")]
    for b in BENCHMARKS.values():
        rows.append((b.name, "yes" if b.is_present(root) else "no", b.task, b.split, ", ".join(b.files)))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r[:4], widths)) + "  " + r[4] for r in rows]
    return "\n".join([lines[0], "-" * len(lines[0]), *lines[1:]])
