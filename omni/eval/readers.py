"""Readers for the benchmarks' released files, each into one list of `EvalItem`s the runner can shard and score.

The layouts are the official releases' (docs/eval.md): VQAv2/OK-VQA question + annotation JSON with COCO images,
VizWiz and TextVQA annotation JSON, COCO caption annotations, POPE's question JSONL, MMBench's TSV (images inline as
base64), MM-Vet's JSON. Items keep their official ids so predictions export in the servers' formats.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image


@dataclass
class EvalItem:
    id: str
    question: str  # the benchmark's own question or instruction, before the runner's prompt template
    answers: list[str]  # references: human answers, captions, a yes/no label, an option letter
    image_paths: list[Path] = field(default_factory=list)
    image_data: list[bytes] = field(default_factory=list)  # images stored inline (MMBench)
    meta: dict[str, Any] = field(default_factory=dict)

    def images(self) -> list[Image.Image]:
        loaded = [Image.open(path) for path in self.image_paths]
        loaded += [Image.open(io.BytesIO(data)) for data in self.image_data]
        return [image.convert("RGB") for image in loaded]


def _require(path: Path) -> Path:
    if not path.is_file():
        raise FileNotFoundError(f"benchmark file {path} not found (see docs/eval.md for the expected layout)")
    return path


def _load_json(path: Path) -> Any:
    return json.loads(_require(path).read_text())


def read_vqa(questions: Path, annotations: Path, images: Path, image_name: str = "COCO_val2014_{image_id:012d}.jpg") -> list[EvalItem]:
    """VQAv2 and OK-VQA: `{"questions": [{question_id, image_id, question}]}` + `{"annotations": [{question_id,
    answers: [{answer}]}]}`; the 10 human answers are the references."""
    answers = {a["question_id"]: [x["answer"] for x in a["answers"]] for a in _load_json(annotations)["annotations"]}
    return [EvalItem(str(q["question_id"]), q["question"], answers[q["question_id"]],
                     [images / image_name.format(image_id=q["image_id"])], meta={"image_id": q["image_id"]})
            for q in _load_json(questions)["questions"] if q["question_id"] in answers]


def read_vizwiz(annotations: Path, images: Path) -> list[EvalItem]:
    """VizWiz-VQA: a list of `{image, question, answers: [{answer, answer_confidence}], answerable}`."""
    return [EvalItem(entry["image"], entry["question"], [a["answer"] for a in entry["answers"]], [images / entry["image"]],
                     meta={"answerable": entry.get("answerable")}) for entry in _load_json(annotations)]


def read_textvqa(annotations: Path, images: Path) -> list[EvalItem]:
    """TextVQA: `{"data": [{question_id, question, image_id, answers}]}`, images `<image_id>.jpg`."""
    return [EvalItem(str(entry["question_id"]), entry["question"], list(entry["answers"]),
                     [images / f"{entry['image_id']}.jpg"]) for entry in _load_json(annotations)["data"]]


def read_coco_captions(annotations: Path, images: Path) -> list[EvalItem]:
    """COCO captions: `{"images": [{id, file_name}], "annotations": [{image_id, caption}]}`; one item per image."""
    data = _load_json(annotations)
    captions: dict[int, list[str]] = defaultdict(list)
    for annotation in data["annotations"]:
        captions[annotation["image_id"]].append(annotation["caption"])
    return [EvalItem(str(image["id"]), "", captions[image["id"]], [images / image["file_name"]])
            for image in data["images"] if captions[image["id"]]]


def read_pope(question_files: list[Path], images: Path) -> list[EvalItem]:
    """POPE: one JSON object per line, `{question_id, image, text, label}`, one file per split (random, popular,
    adversarial); the split is the file name's last part."""
    items = []
    for path in question_files:
        split = path.stem.rsplit("_", 1)[-1]
        for line in _require(path).read_text().splitlines():
            if line.strip():
                entry = json.loads(line)
                items.append(EvalItem(f"{split}-{entry['question_id']}", entry["text"], [entry["label"]],
                                      [images / entry["image"]], meta={"split": split}))
    return items


OPTION_LETTERS = "ABCDEFGHI"


def read_mmbench(tsv: Path) -> list[EvalItem]:
    """MMBench: a TSV with `index, question, hint, A, B, C, D, answer, category, image` (base64); options that are
    empty are absent. The answer letter is the reference (the test split has none: score on the server)."""
    csv.field_size_limit(sys.maxsize)  # the images are long base64 fields
    items = []
    with _require(tsv).open(newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            options = {k: row[k] for k in OPTION_LETTERS if row.get(k) not in (None, "", "nan")}
            hint = row.get("hint") or ""
            items.append(EvalItem(row["index"], row["question"], [row["answer"]] if row.get("answer") else [],
                                  image_data=[base64.b64decode(row["image"])],
                                  meta={"options": options, "hint": "" if hint == "nan" else hint,
                                        "category": row.get("category", ""), "l2_category": row.get("l2-category", "")}))
    return items


def read_mmvet(annotations: Path, images: Path) -> list[EvalItem]:
    """MM-Vet: `{"v1_0": {imagename, question, answer, capability}}`; graded by GPT-4 from the exported answers."""
    return [EvalItem(key, entry["question"], [entry["answer"]], [images / entry["imagename"]],
                     meta={"capability": entry.get("capability", [])}) for key, entry in _load_json(annotations).items()]
