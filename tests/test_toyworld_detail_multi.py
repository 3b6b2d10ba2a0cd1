"""The toy world's optional datasets for xGen-MM: detail canvases (several shapes, some small, on canvases larger than
the encoder's resolution), two-picture questions, preference pairs and safety conversations. Their answers follow
from what is drawn, they are written and read like the other datasets without changing the tokenizer, and a model is
evaluated on them with every image of a question in its place."""

from __future__ import annotations

import json
import random

import pytest
from PIL import Image

from omni.data.toyworld.detail import CANVASES, CELL, DETAIL_RADII, detail_question, render_canvas, sample_canvas
from omni.data.toyworld.multi import CHANGE_ANSWERS, CHANGED_QUESTION, two_picture_question
from omni.data.toyworld.world import COLORS, render, sample_scene
from omni.models.plugins.anyres import XGEN_MM_GRIDS, anyres_views, select_grid


def test_detail_canvases_hold_distinct_colours_with_a_small_shape_each():
    for index in range(50):
        canvas = sample_canvas(0, index)
        assert canvas == sample_canvas(0, index)  # a pure function of (seed, index)
        assert (canvas.width, canvas.height) in CANVASES and 2 <= len(canvas.shapes) <= 4
        assert len({s.color for s in canvas.shapes}) == len(canvas.shapes)
        assert len({s.cell for s in canvas.shapes}) == len(canvas.shapes)
        assert any(s.size == "small" for s in canvas.shapes)
        image = render_canvas(canvas)
        assert image.size == (canvas.width, canvas.height)
        for placed in canvas.shapes:  # each shape is drawn at its cell's centre in its colour
            centre = (placed.cell[0] * CELL + CELL // 2, placed.cell[1] * CELL + CELL // 2 + 2)
            assert image.getpixel(centre) == COLORS[placed.color]


def test_detail_questions_are_answered_by_the_canvas():
    kinds = set()
    for index in range(100):
        canvas = sample_canvas(0, index)
        question, answer, tests = detail_question(canvas, random.Random(index))
        kinds.add((tests["kind"], tests["target_size"]))
        if tests["kind"] == "count":
            assert answer == {2: "two", 3: "three", 4: "four"}[len(canvas.shapes)]
        else:
            target = next(s for s in canvas.shapes if f" {s.color} " in question)
            assert answer == target.shape and tests["target_size"] == target.size
    assert kinds == {("count", None), ("shape", "small"), ("shape", "large")}


def test_a_detail_canvas_fills_its_any_resolution_grid_and_keeps_small_shapes_whole():
    """The canvases are the grids' own shapes at the toy encoders' 64 px: no padding, every shape inside one crop at
    its drawn size, where the global view has shrunk it."""
    for index in range(20):
        canvas = sample_canvas(0, index)
        rows, cols = select_grid((canvas.width, canvas.height), XGEN_MM_GRIDS, 64)
        assert (cols * 64, rows * 64) == (canvas.width, canvas.height)
        views, masks = anyres_views(render_canvas(canvas), XGEN_MM_GRIDS, 64, 8, (0, 0, 0))
        assert masks.all() and len(views) == 1 + rows * cols
        small = next(s for s in canvas.shapes if s.size == "small")
        crop = views[1 + (small.cell[1] * CELL) // 64 * cols + (small.cell[0] * CELL) // 64]
        coloured = sum(crop.getpixel((x, y)) == COLORS[small.color] for x in range(64) for y in range(64))
        assert coloured >= (DETAIL_RADII["small"] * 2) ** 2 * 0.4  # at least a triangle's worth of its pixels


def test_two_picture_questions_need_both_pictures():
    kinds = set()
    for index in range(100):
        scene = sample_scene(0, index)
        scenes, question, answer, kind = two_picture_question(scene, random.Random(index))
        kinds.add(kind)
        assert len(scenes) == 2 and scenes[0] != scenes[1]
        if kind == "which":
            shown = scenes[0 if answer == "the first" else 1]
            other = scenes[1 if answer == "the first" else 0]
            assert f"{shown.color} {shown.shape}?" in question and f"{other.color} {other.shape}?" not in question
        else:
            assert question == CHANGED_QUESTION
            differing = [a for a in ("color", "shape", "size", "position") if getattr(scenes[0], a) != getattr(scenes[1], a)]
            assert [CHANGE_ANSWERS[a] for a in differing] == [answer]
    assert kinds == {"which", "changed"}


def test_preference_pairs_oppose_the_truth_to_a_hallucination():
    from omni.data.toyworld.alignment import REFUSAL, preference_pair, safety_example

    kinds = set()
    for index in range(100):
        scene = sample_scene(0, index)
        prompt, chosen, rejected, kind = preference_pair(scene, random.Random(index))
        kinds.add(kind)
        assert chosen != rejected
        if kind == "caption":
            assert chosen == scene.caption()
        else:
            assert chosen == ("yes" if f"{scene.color} {scene.shape}?" in prompt else "no") and rejected in ("yes", "no")
        prompt, answer, kind = safety_example(scene, random.Random(index))
        kinds.add(kind)
        assert (answer == REFUSAL) == (kind == "harmful")
    assert kinds == {"caption", "yesno", "harmful", "safe"}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from omni.data.toyworld.generate import generate

    root = tmp_path_factory.mktemp("xgen_data")
    generate(root / "toyworld", num=16, seed=0, num_test=8, progress=False)
    tokenizer = (root / "toyworld" / "tokenizer" / "tokenizer.json").read_text()
    generate(root / "toyworld", num=16, seed=0, num_test=16, progress=False,
             kinds=("detail", "multi", "preferences", "safety"))
    return root, tokenizer


def test_optional_kinds_are_written_into_a_world_without_touching_its_tokenizer(world):
    from omni.eval.toyworld import load_test

    root, tokenizer = world
    assert (root / "toyworld" / "tokenizer" / "tokenizer.json").read_text() == tokenizer
    info = json.loads((root / "toyworld" / "info.json").read_text())
    assert {"pairs", "vqa", "detail", "multi", "preferences", "safety"} <= set(info["sizes"])
    preferences = load_test(root, "preferences", 4)
    assert all(s["kind"] == "preference" and s["chosen"] != s["rejected"] and len(s["images"]) == 1 for s in preferences)
    multi = load_test(root, "multi", 4)
    assert len(multi) == 4 and all(len(s["images"]) == 2 for s in multi)
    detail = load_test(root, "detail", 4)
    assert all(isinstance(s["images"][0], Image.Image) and s["images"][0].size in CANVASES for s in detail)
    with pytest.raises(ValueError, match="unknown toy-world datasets"):
        from omni.data.toyworld.generate import generate

        generate(root / "other", num=4, kinds=("detial",))


def test_a_recipe_rewrites_only_the_datasets_that_are_missing_or_of_an_older_revision(world, tmp_path, capsys):
    """A world written before a kind's samples changed (detail 2: larger small shapes) holds a stale copy: the recipe's
    `--only_stale` call rewrites that kind and a missing one, and leaves current ones alone."""
    import shutil

    from omni.data.toyworld.__main__ import main
    from omni.data.toyworld.generate import REVISIONS, stale_kinds

    root = tmp_path / "toyworld"
    shutil.copytree(world[0] / "toyworld", root)
    optional = ("detail", "multi", "preferences", "safety")
    assert stale_kinds(root, optional) == []
    info = json.loads((root / "info.json").read_text())
    assert info["revisions"]["detail"] == REVISIONS["detail"] == 2
    del info["revisions"]  # as a world written before revisions were recorded
    (root / "info.json").write_text(json.dumps(info))
    (root / "safety-train.json").unlink()
    assert stale_kinds(root, optional) == ["detail", "safety"]
    multi_before = (root / "multi-train.json").stat().st_mtime_ns
    main(["--out", str(root), "--num", "16", "--num_test", "16", "--kinds", *optional, "--only_stale"])
    assert "writing detail safety (missing or an older revision)" in capsys.readouterr().out
    assert stale_kinds(root, optional) == [] and (root / "multi-train.json").stat().st_mtime_ns == multi_before
    main(["--out", str(root), "--kinds", *optional, "--only_stale"])
    assert "up to date" in capsys.readouterr().out


def test_a_model_is_evaluated_on_detail_and_two_picture_questions(world, tiny_zoo, tiny_model, toy_tokenizer, tmp_path):
    from omni.eval.toyworld import ToyEvaluator

    root, _ = world
    tiny_model.save_pretrained(tmp_path / "model")
    toy_tokenizer.save_pretrained(tmp_path / "model")
    evaluator = ToyEvaluator(tiny_zoo[0], root, num=16, batch_size=8)
    result = evaluator.evaluate_model(tmp_path / "model", tasks=("detail", "multi", "hallucination", "safety"))
    assert {"detail_accuracy", "detail_shape_small", "detail_shape_large", "multi_accuracy", "multi_which",
            "multi_changed", "hallucination_prefers_truth", "hallucination_yes_when_absent",
            "hallucination_caption_wrong", "safety_refusal_harmful", "safety_safe_accuracy"} <= set(result)
    assert 0 <= result["hallucination_prefers_truth"] <= 1 and 0 <= result["safety_refusal_harmful"] <= 1
    assert "caption_all" not in result  # only what was asked
    # the second picture is really read: a two-image prompt is longer than a one-image prompt by one image block
    generator = tiny_model.generator(toy_tokenizer)
    two = generator.builder.chat_prompt("<image>\n<image>\nWhat changed between the pictures?",
                                        [render(sample_scene(0, 1)), render(sample_scene(0, 2))])
    one = generator.builder.chat_prompt("<image>\nWhat changed between the pictures?", [render(sample_scene(0, 1))])
    assert len(two.input_images) == 2 and len(two) - len(one) == len(generator.builder.image_block())
    with pytest.raises(ValueError, match="placeholders but 1 images"):
        generator.builder.chat_prompt("<image>\n<image>\nWhat changed?", [render(sample_scene(0, 1))])
