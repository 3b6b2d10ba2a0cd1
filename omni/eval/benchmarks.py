"""The standard benchmarks as registered local datasets: what files each needs, where, and which metric scores it.

Nothing is downloaded. Paths are relative to the evaluation root (`$OMNI_EVAL_ROOT`, default `./data/eval`), in the
layouts the benchmarks' official releases unpack to; `python -m omni.eval --list` shows which are present.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from omni.eval import readers
from omni.eval.readers import EvalItem


@dataclass(frozen=True)
class Benchmark:
    name: str
    task: str  # vqa | caption | pope | mmbench | t2i
    metric: str  # the function in omni.eval that scores it
    files: tuple[str, ...]  # relative to the evaluation root
    split: str
    note: str = ""
    # the reader, given the files' paths in `files` order
    reader: Callable[..., list[EvalItem]] | None = None
    prompt: str = "{question}"  # the template the runner asks with (omni.eval.prompts)
    max_new_tokens: int = 16

    def read(self, root: str | Path | None = None) -> list[EvalItem]:
        if self.reader is None:
            raise ValueError(f"benchmark {self.name} has no reader")
        return self.reader(*self.paths(root))

    def paths(self, root: str | Path | None = None) -> list[Path]:
        return [Path(root or default_eval_root()) / f for f in self.files]

    def is_present(self, root: str | Path | None = None) -> bool:
        return all(p.exists() for p in self.paths(root))


def default_eval_root() -> Path:
    return Path(os.environ.get("OMNI_EVAL_ROOT", "data/eval"))


SHORT = "{question}\nAnswer the question using a single word or phrase."  # LLaVA-1.5's short-answer prompt
BENCHMARKS = {b.name: b for b in [
    Benchmark("vqav2", "vqa", "omni.eval.vqa.vqa_accuracy", ("vqav2/v2_OpenEnded_mscoco_val2014_questions.json",
              "vqav2/v2_mscoco_val2014_annotations.json", "coco/val2014"), "val2014 (test-dev through the server)",
              reader=readers.read_vqa, prompt=SHORT),
    Benchmark("okvqa", "vqa", "omni.eval.vqa.vqa_accuracy", ("okvqa/OpenEnded_mscoco_val2014_questions.json",
              "okvqa/mscoco_val2014_annotations.json", "coco/val2014"), "val2014", reader=readers.read_vqa, prompt=SHORT),
    Benchmark("vizwiz", "vqa", "omni.eval.vqa.vqa_accuracy", ("vizwiz/val.json", "vizwiz/val"), "val",
              "answers include 'unanswerable'", reader=readers.read_vizwiz,
              prompt="{question}\nWhen the provided information is insufficient, respond with 'Unanswerable'.\n"
                     "Answer the question using a single word or phrase."),
    Benchmark("textvqa", "vqa", "omni.eval.vqa.vqa_accuracy", ("textvqa/TextVQA_0.5.1_val.json", "textvqa/train_images"),
              "val", "images of the val split live in train_images", reader=readers.read_textvqa, prompt=SHORT),
    Benchmark("coco_captions", "caption", "omni.eval.captions.caption_scores",
              ("coco/annotations/captions_val2014.json", "coco/val2014"), "Karpathy test or val2014",
              reader=readers.read_coco_captions, prompt="Provide a one-sentence caption for the provided image.",
              max_new_tokens=48),
    Benchmark("pope", "pope", "omni.eval.pope.pope_metrics", ("pope/coco_pope_random.json",
              "pope/coco_pope_popular.json", "pope/coco_pope_adversarial.json", "coco/val2014"), "random/popular/adversarial",
              reader=lambda *paths: readers.read_pope(list(paths[:-1]), paths[-1]), prompt=SHORT, max_new_tokens=8),
    Benchmark("mmbench", "mmbench", "omni.eval.mmbench.circular_accuracy", ("mmbench/mmbench_dev_20230712.tsv",),
              "dev", "images are base64 inside the TSV; test answers through the server", reader=readers.read_mmbench,
              prompt="{hint}{question}\n{options}\nAnswer with the option's letter from the given choices directly.",
              max_new_tokens=8),
    Benchmark("mmvet", "mmvet", "omni.eval.exports.export", ("mmvet/mm-vet.json", "mmvet/images"), "all",
              "scored by MM-Vet's GPT-4 grader from the exported answers", reader=readers.read_mmvet,
              max_new_tokens=256),
    Benchmark("coco30k_fid", "t2i", "omni.eval.t2i.fid", ("coco/annotations/captions_val2014.json", "coco/val2014",
              "weights/pt_inception-2015-12-05-6726825d.pth"), "val2014, 30,000 captions (sample_coco_captions)"),
]}


def register_benchmark(benchmark: Benchmark, overwrite: bool = False) -> None:
    """Add a benchmark (a local copy of a known one, or your own files with a reader)."""
    if benchmark.name in BENCHMARKS and not overwrite:
        raise ValueError(f"benchmark {benchmark.name!r} is already registered (pass overwrite=True)")
    BENCHMARKS[benchmark.name] = benchmark


def get_benchmark(name: str) -> Benchmark:
    if name not in BENCHMARKS:
        import difflib

        close = difflib.get_close_matches(name, list(BENCHMARKS), n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise KeyError(f"no benchmark named {name!r}.{hint} Registered: {sorted(BENCHMARKS)}")
    return BENCHMARKS[name]


def table(root: str | Path | None = None) -> str:
    rows = [("name", "present", "task", "split", "files")]
    for b in BENCHMARKS.values():
        rows.append((b.name, "yes" if b.is_present(root) else "no", b.task, b.split, ", ".join(b.files)))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r[:4], widths)) + "  " + r[4] for r in rows]
    return "\n".join([lines[0], "-" * len(lines[0]), *lines[1:]])
