"""The benchmark runner on small files in the official layouts: readers, prompts, sharding over two processes,
merging, scoring, the servers' export files and the reproducibility record."""

from __future__ import annotations

import base64
import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from omni.data.toyworld import COLORS, render, sample_scene
from omni.eval.benchmarks import get_benchmark
from omni.eval.prompts import requests
from omni.eval.runner import merge, run_benchmark
from tests.helpers import PooledPixels, tiny_clip

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def eval_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("eval")
    images = root / "coco" / "val2014"
    images.mkdir(parents=True)
    scenes = {i: sample_scene(5, i) for i in range(6)}
    for i, scene in scenes.items():
        render(scene).save(images / f"COCO_val2014_{i:012d}.jpg")
    (root / "vqav2").mkdir()
    questions = [{"question_id": 100 + i, "image_id": i, "question": f"What color is shape {i}?"} for i in scenes]
    annotations = [{"question_id": 100 + i, "answers": [{"answer": scene.color}] * 10} for i, scene in scenes.items()]
    (root / "vqav2" / "v2_OpenEnded_mscoco_val2014_questions.json").write_text(json.dumps({"questions": questions}))
    (root / "vqav2" / "v2_mscoco_val2014_annotations.json").write_text(json.dumps({"annotations": annotations}))
    (root / "coco" / "annotations").mkdir()
    (root / "coco" / "annotations" / "captions_val2014.json").write_text(json.dumps({
        "images": [{"id": i, "file_name": f"COCO_val2014_{i:012d}.jpg"} for i in scenes],
        "annotations": [{"image_id": i, "caption": text} for i, scene in scenes.items()
                        for text in (scene.caption(), f"a picture of a {scene.color} {scene.shape}")]}))
    (root / "pope").mkdir()
    for split in ("random", "popular", "adversarial"):
        lines = [{"question_id": i, "image": f"COCO_val2014_{i:012d}.jpg", "label": "yes" if i % 2 else "no",
                  "text": f"Is there a {scene.shape} in image {i} ({split})?"} for i, scene in scenes.items()]
        (root / "pope" / f"coco_pope_{split}.json").write_text("\n".join(json.dumps(line) for line in lines))
    (root / "mmbench").mkdir()
    with (root / "mmbench" / "mmbench_dev_20230712.tsv").open("w", newline="") as f:
        writer = csv.DictWriter(f, ["index", "question", "hint", "A", "B", "C", "D", "answer", "category", "image"],
                                delimiter="\t")
        writer.writeheader()
        for i, scene in list(scenes.items())[:3]:
            buffer = io.BytesIO()
            render(scene).save(buffer, format="PNG")
            options = [scene.color] + [c for c in COLORS if c != scene.color][:3]
            writer.writerow({"index": i, "question": f"Which colour is shape {i}?", "hint": "nan",
                             **dict(zip("ABCD", options)), "answer": "A", "category": "colour",
                             "image": base64.b64encode(buffer.getvalue()).decode()})
    (root / "mmvet" / "images").mkdir(parents=True)
    render(scenes[0]).save(root / "mmvet" / "images" / "v1_0.png")
    (root / "mmvet" / "mm-vet.json").write_text(json.dumps({"v1_0": {"imagename": "v1_0.png", "question": "What is it?",
                                                                     "answer": scenes[0].caption(), "capability": ["rec"]}}))
    return root


class Oracle:
    """Answers every request right (through the prompts the runner builds), so scores must be perfect."""

    def __init__(self, benchmark, root):
        self.truth = {}
        for request in requests(benchmark, benchmark.read(root)):
            key = (request.prompt, request.item.images()[0].tobytes())
            self.truth[key] = request.circular.answer if request.circular else request.item.answers[0]

    def answer(self, images, prompts, max_new_tokens):
        assert all(len(group) == 1 and group[0].size == (64, 64) for group in images)
        return [self.truth[(p, group[0].tobytes())] for p, group in zip(prompts, images)]

    def describe(self):
        return {"type": "oracle"}


@pytest.mark.parametrize("name", ["vqav2", "coco_captions", "pope", "mmbench", "mmvet"])
def test_a_perfect_model_scores_perfectly(eval_root, tmp_path, name):
    benchmark = get_benchmark(name)
    results = run_benchmark(benchmark, Oracle(benchmark, eval_root), tmp_path, eval_root, batch_size=4)
    scores = results["scores"]
    if name == "vqav2":
        assert scores["accuracy"] == 100.0 and (tmp_path / "vqav2_answers.json").exists()
    elif name == "coco_captions":
        assert scores["bleu_1"] > 0.9 and scores["cider"] > 1.0
    elif name == "pope":
        assert scores["mean_f1"] == 1.0 and set(scores) == {"random", "popular", "adversarial", "mean_f1"}
    elif name == "mmbench":
        assert scores["circular"] == 1.0 and results["requests"] == 12  # 3 questions x 4 rotations
        rows = list(csv.DictReader((tmp_path / "mmbench_submission.tsv").open(), delimiter="\t"))
        assert [r["prediction"] for r in rows] == ["A", "A", "A"]
    else:
        assert json.loads((tmp_path / "mmvet_results.json").read_text()) == {"v1_0": sample_scene(5, 0).caption()}
    lines = (tmp_path / "predictions.jsonl").read_text().splitlines()
    assert len(lines) == results["requests"] and not list(tmp_path.glob("predictions.rank*"))
    assert results["prompt"] == benchmark.prompt and results["seed"] == 0 and results["processes"] == 1


def test_mmbench_passes_rotate_the_letters(eval_root):
    benchmark = get_benchmark("mmbench")
    asked = requests(benchmark, benchmark.read(eval_root)[:1])
    assert [r.circular.answer for r in asked] == ["A", "D", "C", "B"]  # the right option moves with each rotation
    assert "A. " in asked[1].prompt and asked[0].prompt != asked[1].prompt


def test_merge_refuses_missing_or_repeated_answers(eval_root, tmp_path):
    benchmark = get_benchmark("vqav2")
    asked = requests(benchmark, benchmark.read(eval_root))
    rows = [{"key": r.key, "prediction": "x"} for r in asked]
    (tmp_path / "predictions.rank0.jsonl").write_text("\n".join(json.dumps(r) for r in rows[:-1]))
    with pytest.raises(RuntimeError, match="1 requests have no answer"):
        merge(tmp_path, 1, asked)
    (tmp_path / "predictions.rank0.jsonl").write_text("\n".join(json.dumps(r) for r in rows + rows[:1]))
    with pytest.raises(RuntimeError, match="answered twice"):
        merge(tmp_path, 1, asked)


def test_two_processes_with_a_tiny_dreamllm(eval_root, tmp_path, tiny_model, toy_tokenizer):
    tiny_model.save_pretrained(tmp_path / "model")
    toy_tokenizer.save_pretrained(tmp_path / "model")
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", "-m", "omni.eval",
               "run", "--benchmark", "vqav2", "--model", str(tmp_path / "model"), "--out", str(tmp_path / "out"),
               "--eval_root", str(eval_root), "--batch_size", "2", "--max_new_tokens", "4"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300,
                            env={**__import__("os").environ, "OMP_NUM_THREADS": "1"})
    assert result.returncode == 0, result.stderr[-3000:]
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert results["processes"] == 2 and results["requests"] == 6 and 0 <= results["scores"]["accuracy"] <= 100
    assert results["model"]["path"] == str((tmp_path / "model").resolve()) and results["decoding"]["max_new_tokens"] == 4
    assert results["git_revision"] and results["model"]["decoding"] == "greedy"
    assert len((tmp_path / "out" / "predictions.jsonl").read_text().splitlines()) == 6


def test_unknown_benchmark_suggests_the_close_one():
    with pytest.raises(KeyError, match="Did you mean 'vqav2'"):
        get_benchmark("vqa2")


class Painter:
    """Makes a solid image per caption whose shade depends on the seed: candidates differ, runs repeat."""

    def __init__(self):
        self.calls = []

    def create(self, prompts, seed, num_inference_steps=25, guidance_scale=3.0, scheduler="ddim"):
        self.calls.append((tuple(prompts), seed))
        from PIL import Image

        return [Image.new("RGB", (32, 32), ((seed * 37 + i * 11) % 256, 80, 160)) for i in range(len(prompts))]

    def describe(self):
        return {"type": "painter"}


def test_text_to_image_fid_with_best_of_n(eval_root, tmp_path, toy_tokenizer):
    import torch

    from omni.eval.t2i import best_of_n, clip_similarities
    from omni.eval.t2i_runner import run_t2i

    clip = tiny_clip(tmp_path / "clip", toy_tokenizer)
    benchmark = get_benchmark("coco30k_fid")
    painter = Painter()
    results = run_t2i(benchmark, painter, tmp_path / "out", eval_root, num=5, seed=3, batch_size=2, best_of=2,
                      clip_dir=clip, feature=PooledPixels())
    assert results["scores"]["fid"] >= 0 and 0 <= results["scores"]["clip_score"] <= 100
    assert results["best_of"] == 2 and results["captions"]["num"] == 5 and len(results["captions"]["digest"]) == 16
    assert [seed for _, seed in painter.calls] == [3, 6, 4, 7, 5, 8]  # batch b, candidate k: seed + b + k * batches
    assert len(list((tmp_path / "out" / "images").glob("*.png"))) == 5

    # re-ranking keeps, per caption, the candidate closest to its own caption
    captions = ["a red circle", "a blue square"]
    candidates = torch.rand(2, 3, 3, 32, 32)
    picked, indices = best_of_n(candidates, captions, clip)
    for c, caption in enumerate(captions):
        own = clip_similarities(candidates[c], [caption] * 3, clip)
        assert indices[c] == int(own.argmax()) and torch.equal(picked[c], candidates[c, indices[c]])
    with pytest.raises(ValueError, match="needs a local CLIP"):
        run_t2i(benchmark, painter, tmp_path / "x", eval_root, num=2, best_of=2, feature=PooledPixels())


def test_the_toy_world_as_benchmark_files(toy_data, tmp_path):
    from omni.data.toyworld.benchmarks import write_benchmarks

    counts = write_benchmarks(toy_data, tmp_path, num=12)
    assert counts == {"images": 24, "vqa": 12, "pope": 24, "mmbench": 12}
    vqa = get_benchmark("vqav2").read(tmp_path)
    assert len(vqa) == 12 and all(len(item.answers) == 10 and item.images()[0].size == (64, 64) for item in vqa)
    assert all(" the " not in f" {item.answers[0]} " for item in vqa)  # stored normalised, as VQAv2's answers are
    pope = get_benchmark("pope").read(tmp_path)
    assert len(pope) == 72 and {item.answers[0] for item in pope} == {"yes", "no"}
    mmbench = get_benchmark("mmbench").read(tmp_path)
    assert all(item.meta["options"][item.answers[0]] for item in mmbench)
    assert len(get_benchmark("coco_captions").read(tmp_path)) == 12


def test_dry_run_counts_what_is_present_and_lists_what_is_not(eval_root, tmp_path, tiny_model, toy_tokenizer, capsys):
    from omni.eval.__main__ import main

    tiny_model.save_pretrained(tmp_path / "model")  # tiny plugins are built from their configs: nothing to resolve
    toy_tokenizer.save_pretrained(tmp_path / "model")

    def dry(*argv: str) -> tuple[int, str]:
        with pytest.raises(SystemExit) as exit_:
            main(["run", "--dry_run", "--model", str(tmp_path / "model"), "--eval_root", str(eval_root), *argv])
        return exit_.value.code, capsys.readouterr().out

    status, report = dry("--benchmark", "vqav2,pope", "--batch_size", "4")
    assert status == 0, report
    assert "| vqav2 | vqa | omni.eval.vqa.vqa_accuracy | present | 6 of 6 items, 2 batches of 4 |" in report
    assert "18 of 18 items" in report and "everything is present" in report  # POPE: three splits of six
    status, report = dry("--benchmark", "vqav2,textvqa", "--limit", "5")
    assert status == 2 and "5 of 6 items" in report
    assert f"benchmark textvqa: {eval_root / 'textvqa' / 'TextVQA_0.5.1_val.json'}" in report
    status, report = dry("--benchmark", "popee")
    assert status == 1 and "Did you mean 'pope'?" in report
    with pytest.raises(SystemExit) as exit_:
        main(["run", "--dry_run", "--model", str(tmp_path / "nowhere"), "--benchmark", "pope", "--eval_root", str(eval_root)])
    assert exit_.value.code == 2 and "not a local folder, a model-zoo entry or a saved model" in capsys.readouterr().out
