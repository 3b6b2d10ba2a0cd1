"""The toy world's held-out split written in the standard benchmarks' release layouts, so that `python -m omni.eval
run` works on a toy model with no download: COCO-style images and captions, VQAv2 questions and annotations, POPE's
three splits and an MMBench TSV.

  python -m omni.data.toyworld.benchmarks --data_root data --out data/eval_toy
  python -m omni.eval run --benchmark vqav2 --eval_root data/eval_toy --model work_dirs/toy/stage3_sft --out results/toy_vqav2

POPE's splits differ as the originals do, in how the absent object of a "no" question is chosen: random (any other
shape), popular (the most frequent shape of the split that is absent), adversarial (the right shape in another
colour, the closest miss this world has).
"""

from __future__ import annotations

import argparse
import base64
import collections
import csv
import io
import json
import random
from pathlib import Path

from omni.data.constants import DataManager
from omni.data.datasets import TypedWebDataset
from omni.data.toyworld.text import article
from omni.data.toyworld.world import COLORS, POSITIONS, SHAPES, SIZES, Scene
from omni.utils.logging import get_logger
from omni.utils.vqa_answers import normalize_vqa_answer

logger = get_logger(__name__)

MMBENCH_QUESTIONS = {"color": "What colour is the shape?", "shape": "Which shape is shown?",
                     "size": "How big is the shape?", "position": "Where in the image is the shape?"}
CHOICES = {"color": list(COLORS), "shape": list(SHAPES), "size": list(SIZES), "position": list(POSITIONS)}
VQA_IDS = 100_000  # VQA images follow the caption images in the COCO id space


def _read(data_root: str | Path, kind: str, num: int) -> list[dict]:
    info = DataManager.get(f"toyworld_{kind}_test")
    stream = TypedWebDataset(info.shard_urls(data_root), info.dataset_type, shuffle_buffer=1, epochs=1, name=info.name)
    samples = []
    for sample in stream:
        samples.append(sample)
        if len(samples) == num:
            break
    return samples


def _scene(meta: dict) -> Scene:
    return Scene(**{k: meta[k] for k in ("color", "shape", "size", "position")})


def write_benchmarks(data_root: str | Path, out: str | Path, num: int = 500, seed: int = 0) -> dict[str, int]:
    out, rng = Path(out), random.Random(f"toy-benchmarks-{seed}")
    images = out / "coco" / "val2014"
    images.mkdir(parents=True, exist_ok=True)
    pairs, vqa = _read(data_root, "pairs", num), _read(data_root, "vqa", num)
    scenes = []
    for i, pair in enumerate(pairs):
        pair["image"].save(images / f"COCO_val2014_{i:012d}.jpg", quality=95)
        scenes.append(_scene(pair["meta"]))
    (out / "coco" / "annotations").mkdir(parents=True, exist_ok=True)
    (out / "coco" / "annotations" / "captions_val2014.json").write_text(json.dumps({
        "images": [{"id": i, "file_name": f"COCO_val2014_{i:012d}.jpg"} for i in range(len(pairs))],
        "annotations": [{"id": i, "image_id": i, "caption": pair["text"]} for i, pair in enumerate(pairs)]}))

    questions, annotations = [], []
    for j, sample in enumerate(vqa):
        sample["images"][0].save(images / f"COCO_val2014_{VQA_IDS + j:012d}.jpg", quality=95)
        question = sample["conversations"][0]["value"].replace("<image>", "").strip()
        questions.append({"question_id": j, "image_id": VQA_IDS + j, "question": question})
        annotations.append({"question_id": j, "image_id": VQA_IDS + j,
                            # stored normalised, as VQAv2's released answers are ("at the top" → "at top"): the
                            # official metric normalises predictions and leaves unanimous human answers as given
                            "answers": [{"answer": normalize_vqa_answer(sample["conversations"][1]["value"]),
                                         "answer_id": k + 1} for k in range(10)]})
    (out / "vqav2").mkdir(exist_ok=True)
    (out / "vqav2" / "v2_OpenEnded_mscoco_val2014_questions.json").write_text(json.dumps({"questions": questions}))
    (out / "vqav2" / "v2_mscoco_val2014_annotations.json").write_text(json.dumps({"annotations": annotations}))

    popular = [shape for shape, _ in collections.Counter(s.shape for s in scenes).most_common()]
    (out / "pope").mkdir(exist_ok=True)
    for split in ("random", "popular", "adversarial"):
        lines = []
        for i, scene in enumerate(scenes):
            if split == "random":
                absent = f"{rng.choice([s for s in SHAPES if s != scene.shape])}"
            elif split == "popular":
                absent = next(s for s in popular if s != scene.shape)
            else:
                absent = f"{rng.choice([c for c in COLORS if c != scene.color])} {scene.shape}"
            present = scene.shape if split != "adversarial" else f"{scene.color} {scene.shape}"
            for k, (thing, label) in enumerate(((present, "yes"), (absent, "no"))):  # in the toy world's wording
                lines.append({"question_id": 2 * i + k, "image": f"COCO_val2014_{i:012d}.jpg",
                              "text": f"Is there {article(thing.split()[0])} {thing}?", "label": label})
        (out / "pope" / f"coco_pope_{split}.json").write_text("".join(json.dumps(line) + "\n" for line in lines))

    (out / "mmbench").mkdir(exist_ok=True)
    with (out / "mmbench" / "mmbench_dev_20230712.tsv").open("w", newline="") as f:
        writer = csv.DictWriter(f, ["index", "question", "hint", "A", "B", "C", "D", "answer", "category", "image"],
                                delimiter="\t")
        writer.writeheader()
        for i, (pair, scene) in enumerate(zip(pairs, scenes)):
            attribute = list(MMBENCH_QUESTIONS)[i % len(MMBENCH_QUESTIONS)]
            truth = getattr(scene, attribute)
            options = [truth] + rng.sample([c for c in CHOICES[attribute] if c != truth], min(3, len(CHOICES[attribute]) - 1))
            rng.shuffle(options)
            buffer = io.BytesIO()
            pair["image"].save(buffer, format="PNG")
            row = {"index": i, "question": MMBENCH_QUESTIONS[attribute], "hint": "nan",
                   "answer": "ABCD"[options.index(truth)], "category": attribute,
                   "image": base64.b64encode(buffer.getvalue()).decode()}
            row.update({letter: options[k] if k < len(options) else "" for k, letter in enumerate("ABCD")})
            writer.writerow(row)
    counts = {"images": len(pairs) + len(vqa), "vqa": len(questions), "pope": 2 * len(scenes), "mmbench": len(scenes)}
    logger.info("toy benchmarks in %s: %s", out, counts)
    return counts


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write the toy world's test split in standard benchmark layouts")
    parser.add_argument("--data_root", default="data")
    parser.add_argument("--out", default="data/eval_toy")
    parser.add_argument("--num", type=int, default=500, help="images per benchmark (at most the test split's size)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    print(write_benchmarks(args.data_root, args.out, args.num, args.seed))


if __name__ == "__main__":
    main()
