"""Benchmark metrics against cases computed by hand from the official rules."""

from __future__ import annotations

import json
import math
import shutil

import pytest

from omni.eval.anls import anls, anls_one, levenshtein
from omni.eval.mmbench import circular_accuracy, circular_passes, extract_choice
from omni.eval.pope import pope_answer, pope_metrics
from omni.eval.vqa import mean_vqa_accuracy, normalize_vqa_answer, vqa_accuracy


@pytest.mark.parametrize(("matching", "expected"), [(0, 0.0), (1, 0.3), (2, 0.6), (3, 0.9), (4, 1.0), (10, 1.0)])
def test_vqa_accuracy_counts_humans_leave_one_out(matching, expected):
    # e.g. 2 of 10: leaving out one of the 2 leaves 1 match (1/3), leaving out one of the 8 leaves 2 (2/3):
    # (2 * 1/3 + 8 * 2/3) / 10 = 0.6
    answers = ["red"] * matching + ["blue"] * (10 - matching)
    assert vqa_accuracy("red", answers) == pytest.approx(expected)


@pytest.mark.parametrize(("prediction", "normalized"), [
    ("Two", "2"), ("Yes.", "yes"), ("a dog", "dog"), ("The Dog!", "dog"), ("dont know", "don't know"),
    ("1,000", "1000"), ("t-shirt", "t shirt"), ("left - right", "left right"), ("3.5", "3.5"), ("none", "0"),
    ("yes\n", "yes"), ("an apple\tpie", "apple pie"),
])
def test_vqa_normalisation(prediction, normalized):
    assert normalize_vqa_answer(prediction) == normalized


def test_vqa_human_answers_are_processed_only_when_they_disagree():
    # unanimous humans are compared as given; disagreeing ones get their punctuation processed
    assert vqa_accuracy("t-shirt", ["t-shirt"] * 10) == 0.0  # the prediction becomes "t shirt", the humans stay
    assert vqa_accuracy("t-shirt", ["t-shirt"] * 9 + ["shirt"]) == 1.0
    assert vqa_accuracy("two", ["2"] * 10) == 1.0
    assert mean_vqa_accuracy(["2", "no"], [["2"] * 10, ["yes"] * 10]) == 0.5
    with pytest.raises(ValueError):
        vqa_accuracy("x", [])


def test_anls():
    assert levenshtein("kitten", "sitting") == 3 and levenshtein("", "abc") == 3
    assert anls_one("Hello", ["hello "]) == 1.0
    assert anls_one("helo", ["hello"]) == pytest.approx(1 - 1 / 5)  # one edit in five characters
    assert anls_one("abc", ["xyz"]) == 0.0  # NL = 1 >= 0.5
    assert anls_one("abcd", ["abxy", "abcx"]) == pytest.approx(0.75)  # the best ground truth counts
    assert anls_one("ab", ["abcd"]) == 0.0  # NL = 0.5 reaches the threshold: zero
    assert anls(["helo", "abc"], [["hello"], ["abc"]]) == pytest.approx((0.8 + 1.0) / 2)


def test_pope():
    assert [pope_answer(t) for t in ["Yes, there is a dog.", "No.", "There is not a dog", "I see a dog. No cat."]] == \
        ["yes", "no", "no", "yes"]
    metrics = pope_metrics(["yes", "yes", "no", "no", "yes"], ["yes", "no", "no", "yes", "yes"])
    # TP 2, FP 1, TN 1, FN 1
    assert metrics == pytest.approx({"accuracy": 0.6, "precision": 2 / 3, "recall": 2 / 3, "f1": 2 / 3, "yes_ratio": 0.6})


def test_circular_passes_move_the_answer_letter():
    passes = circular_passes(7, ["cat", "dog", "bird", "fish"], answer=1)
    assert [p.answer for p in passes] == ["B", "A", "D", "C"]
    assert [p.options["A"] for p in passes] == ["cat", "dog", "bird", "fish"]
    assert all(p.options[p.answer] == "dog" for p in passes)
    assert len({tuple(p.options.values()) for p in passes}) == 4


def test_mmbench_extraction_rules():
    options = {"A": "cat", "B": "dog", "C": "a bird"}
    assert extract_choice("B", options) == "B"
    assert extract_choice("(C) a bird", options) == "C"
    assert extract_choice("Answer: A.", options) == "A"
    assert extract_choice("It is a dog", options) == "B"  # lower-case "a" is not option A; the text names dog
    assert extract_choice("A or B", options) is None  # ambiguous
    assert extract_choice("a cat or a dog", options) is None  # two option texts
    assert extract_choice("no idea", options) is None


def test_circular_accuracy_punishes_a_fixed_letter():
    passes = [p for i in range(3) for p in circular_passes(i, ["w", "x", "y", "z"], answer=i)]
    always_a = circular_accuracy(passes, ["A"] * len(passes))
    assert always_a["vanilla"] == pytest.approx(1 / 3) and always_a["circular"] == 0.0
    right = circular_accuracy(passes, [p.answer for p in passes])
    assert right == {"circular": 1.0, "vanilla": 1.0, "unanswered": 0.0}
    one_slip = [p.answer for p in passes]
    one_slip[5] = "no idea"
    assert circular_accuracy(passes, one_slip) == pytest.approx({"circular": 2 / 3, "vanilla": 1.0, "unanswered": 1 / 12})


def test_caption_scores_by_hand_and_tokenizers():
    from omni.eval.captions import caption_scores, python_ptb_tokenize

    assert python_ptb_tokenize("A man, riding a horse... on the beach!") == "a man riding a horse on the beach"
    scores = caption_scores({1: "a cat"}, {1: ["a cat sat"]}, tokenizer="python")
    # BLEU-1: precision 2/2, brevity penalty exp(1 - 3/2); ROUGE-L: LCS 2, P 1, R 2/3, beta 1.2
    assert scores["bleu_1"] == pytest.approx(math.exp(-0.5), abs=1e-4)
    assert scores["rouge_l"] == pytest.approx(2.44 * (2 / 3) / (2 / 3 + 1.44), abs=1e-4)
    assert scores["tokenizer"] == "python"
    # CIDEr-D weighs n-grams by rarity across the corpus: a caption that matches its own image beats a generic one
    refs = {1: ["a red circle at the top", "a small red circle on top"], 2: ["a blue square at the bottom"],
            3: ["a green triangle in the center"]}
    good = caption_scores({1: "a red circle at the top", 2: "a blue square at the bottom", 3: "a green triangle"}, refs,
                          tokenizer="python")
    bad = caption_scores({1: "a shape", 2: "a shape", 3: "a shape"}, refs, tokenizer="python")
    assert good["cider"] > 3 * bad["cider"] and good["bleu_4"] > bad["bleu_4"]
    with pytest.raises(ValueError, match="not both"):
        caption_scores({1: "x"}, {2: ["y"]})


@pytest.mark.skipif(shutil.which("java") is None, reason="the official PTBTokenizer needs java")
def test_ptb_tokenizer_agrees_with_the_python_rules_on_plain_captions():
    from omni.eval.captions import caption_scores

    predictions = {1: "A man riding a horse, on the beach.", 2: "Two dogs play in the snow!"}
    references = {1: ["A man rides a horse on a beach.", "Someone on a horse at the sea."],
                  2: ["Two dogs playing in snow.", "Dogs in the snow."]}
    ptb, python = caption_scores(predictions, references, "ptb"), caption_scores(predictions, references, "python")
    assert ptb["tokenizer"] == "ptb"
    assert all(ptb[k] == pytest.approx(python[k]) for k in ("bleu_1", "bleu_4", "rouge_l", "cider"))


def test_coco_caption_sample_is_recorded_and_reproducible(tmp_path):
    from omni.eval.t2i import sample_coco_captions

    annotations = [{"id": i, "image_id": i // 5, "caption": f"caption {i} of image {i // 5}"} for i in range(50)]
    path = tmp_path / "captions_val2014.json"
    path.write_text(json.dumps({"annotations": annotations}))
    a, b, c = (sample_coco_captions(path, 4, seed) for seed in (0, 0, 1))
    assert a == b and a["digest"] != c["digest"]
    assert len({s["image_id"] for s in a["samples"]}) == 4  # distinct images, one caption each
    assert all(s["caption"].endswith(f"of image {s['image_id']}") for s in a["samples"])
    with pytest.raises(ValueError, match="fewer than"):
        sample_coco_captions(path, 11)


def test_fid_and_clip_score_from_local_models(tmp_path, toy_tokenizer):
    import torch
    from transformers import CLIPImageProcessor, CLIPModel

    from omni.eval.t2i import clip_score, fid
    from tests.helpers import PooledPixels, tiny_clip

    tiny_clip(tmp_path / "clip", toy_tokenizer)
    model = CLIPModel.from_pretrained(tmp_path / "clip").eval()
    images, captions = torch.rand(3, 3, 32, 32), ["a small red circle", "a large blue square", "a green triangle"]
    score = clip_score(images, captions, tmp_path / "clip")
    with torch.no_grad():  # by hand: 100 * max(cosine, 0) of the projected embeddings, averaged
        pixels = CLIPImageProcessor.from_pretrained(tmp_path / "clip")(list((images * 255).to(torch.uint8)), return_tensors="pt")
        text = toy_tokenizer(captions, padding=True, return_tensors="pt")
        a = model.get_image_features(**pixels)
        b = model.get_text_features(**text)
        a, b = (x.pooler_output if hasattr(x, "pooler_output") else x for x in (a, b))
        expected = (100 * torch.nn.functional.cosine_similarity(a, b).clamp(min=0)).mean().item()
    assert score == pytest.approx(expected, abs=1e-3)

    real = [torch.rand(16, 3, 32, 32) for _ in range(2)]
    same = fid(real, real, feature=PooledPixels())
    shifted = fid(real, [(r * 0.5).clamp(0, 1) for r in real], feature=PooledPixels())
    assert abs(same) < 1e-3 and shifted > 10 * max(same, 1e-4)
    with pytest.raises(ValueError, match="exactly one"):
        fid(real, real)
    with pytest.raises(FileNotFoundError, match="never downloads"):
        fid(real, real, inception_weights=tmp_path / "missing.pth")


def test_benchmark_registry_lists_what_is_present(tmp_path):
    import importlib
    import subprocess
    import sys

    from omni.eval.benchmarks import BENCHMARKS

    for benchmark in BENCHMARKS.values():
        module, _, function = benchmark.metric.rpartition(".")
        assert callable(getattr(importlib.import_module(module), function))  # each names a real metric
        assert benchmark.reader is not None or benchmark.task == "t2i"  # and can read its files
    (tmp_path / "mmbench").mkdir()
    (tmp_path / "mmbench" / "mmbench_dev_20230712.tsv").write_text("index\tquestion\n")
    result = subprocess.run([sys.executable, "-m", "omni.eval", "--list", "--eval_root", str(tmp_path)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    rows = {line.split()[0]: line.split()[1] for line in result.stdout.splitlines()[2:]}
    assert rows["mmbench"] == "yes" and rows["vqav2"] == "no" and set(rows) == set(BENCHMARKS)
