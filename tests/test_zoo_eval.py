"""The toy zoo at tiny scale (seconds), DreamLLM built from it exactly as from real weights, and the toy evaluation."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from omni.eval.toy import attribute_scores, parse_attributes

ROOT = Path(__file__).resolve().parents[1]


def test_zoo_components_reload_with_their_libraries(tiny_zoo):
    from diffusers import StableDiffusionPipeline
    from transformers import AutoTokenizer, CLIPModel, LlamaForCausalLM

    from omni.zoo.toy.classifier import AttributeClassifier

    out, summary = tiny_zoo
    assert set(summary["components"]) == {"vae", "clip", "llama", "classifier", "sd"}
    assert 0 <= summary["components"]["vae"]["recon_all"] <= summary["components"]["vae"]["recon_shape"] <= 1
    assert {"retrieval_top1", "psnr", "test_perplexity", "reading_accuracy", "all", "t2i_all"} <= {k for r in summary["components"].values() for k in r}
    CLIPModel.from_pretrained(out / "clip")
    LlamaForCausalLM.from_pretrained(out / "llama")
    AutoTokenizer.from_pretrained(out / "llama")
    AttributeClassifier.from_pretrained(out / "classifier")
    pipe = StableDiffusionPipeline.from_pretrained(out / "sd", safety_checker=None, requires_safety_checker=False)
    pipe.set_progress_bar_config(disable=True)
    assert pipe(["a small red circle at the top"], num_inference_steps=2, output_type="pt").images.shape == (1, 3, 64, 64)
    assert json.loads((out / "zoo.json").read_text())["omni-toy/sd"] == str((out / "sd").resolve())
    assert {"cpu", "cpu_count", "torch"} <= set(summary["machine"])  # figures are a machine's, not the recipe's


def test_zoo_is_cached(tiny_zoo, toy_data):
    from omni.zoo.toy.build import build_toy_zoo

    out, first = tiny_zoo
    started = time.time()
    again = build_toy_zoo(out, toy_data, scale="tiny", progress=False)
    assert time.time() - started < 5 and again["components"]["clip"] == first["components"]["clip"]
    assert again["seconds"] == first["seconds"]  # the summary keeps the time of the build that trained the zoo


def test_a_retrained_clip_invalidates_the_cached_sd(monkeypatch):
    """The toy SD is trained on the CLIP's text tower: a CLIP with other settings must not reuse the old SD."""
    from omni.zoo.toy import build, clip

    before = {name: build._stamp(name, "tiny", 0) for name in ("sd", "vae", "llama")}
    monkeypatch.setitem(clip.SCALES, "tiny", {**clip.SCALES["tiny"], "steps": clip.SCALES["tiny"]["steps"] + 1})
    assert build._stamp("sd", "tiny", 0) != before["sd"]
    assert all(build._stamp(name, "tiny", 0) == before[name] for name in ("vae", "llama"))


def test_dreamllm_loads_the_zoo_and_evaluates(tiny_zoo, toy_data, tmp_path):
    from transformers import CLIPVisionModel, LlamaForCausalLM

    from omni.models.dreamllm import DreamLLMForCausalLM
    from omni.models.dreamllm.presets import toy_zoo_dreamllm_config
    from omni.models.loading import load_tokenizer

    out, _ = tiny_zoo
    config = toy_zoo_dreamllm_config(zoo_dir=str(out), num_queries=4)
    tokenizer = config.attach_tokenizer(load_tokenizer(str(out / "llama")))
    model = DreamLLMForCausalLM.build(config)
    clip = CLIPVisionModel.from_pretrained(out / "clip")
    assert all(torch.equal(a, b) for a, b in zip(model.plugins.vision_encoder.backbone.state_dict().values(), clip.state_dict().values()))
    llama = LlamaForCausalLM.from_pretrained(out / "llama")
    assert torch.equal(model.llm.get_input_embeddings().weight, llama.get_input_embeddings().weight)  # same vocab: no new rows
    model.save_pretrained(tmp_path / "model")
    tokenizer.save_pretrained(tmp_path / "model")
    from omni.train.checkpoint import export_pretrained

    export_pretrained(model, tmp_path / "by_reference", tokenizer, include_frozen=False)
    notices: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: notices.append(record.getMessage())  # type: ignore[method-assign]
    logging.getLogger("diffusers").addHandler(handler)
    try:
        again = DreamLLMForCausalLM.from_pretrained(tmp_path / "by_reference")  # UNet and VAE from the zoo's folders
    finally:
        logging.getLogger("diffusers").removeHandler(handler)
    assert again.config.frozen_by_reference and not [n for n in notices if "kept in float32" in n]
    for extra in (["--model", str(tmp_path / "model")], ["--baseline_sd", "--out", str(tmp_path / "sd")]):
        result = subprocess.run([sys.executable, "-m", "projects.dreamllm.eval_toy", *extra, "--zoo", str(out), "--data_root",
                                 str(toy_data), "--num", "8", "--num_stories", "3", "--num_documents", "2", "--steps", "2",
                                 "--batch_size", "4"],
                                cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr[-3000:]
    scores = json.loads((tmp_path / "model" / "eval" / "eval.json").read_text())
    assert {"caption_all", "vqa_accuracy", "creation_all", "fid", "interleaved_all", "dream_placement",
            "documents_with_images", "documents_images_readable"} <= set(scores)
    assert (tmp_path / "model" / "eval" / "samples" / "creation_00.png").exists()
    assert (tmp_path / "model" / "eval" / "documents.html").read_text().count("<article>") == 2
    assert "interleaved_all" in json.loads((tmp_path / "sd" / "eval" / "eval.json").read_text())
    assert scores["machine"]["torch"].startswith(torch.__version__.split("+")[0])


def test_attribute_parsing_and_scores():
    assert parse_attributes("a large blue triangle at the top left") == {"color": "blue", "shape": "triangle", "size": "large", "position": "top left"}
    assert parse_attributes("a small red square in the center")["position"] == "center"
    assert parse_attributes("a a a")["color"] is None
    truth = [{"color": "red", "shape": "circle", "size": "small", "position": "top"}] * 2
    predicted = [dict(truth[0]), {**truth[0], "shape": "square"}]
    assert attribute_scores(predicted, truth) == {"color": 1.0, "shape": 0.5, "size": 1.0, "position": 1.0, "all": 0.5}


def test_read_story_follows_every_generated_story():
    """The reader that judges free-form documents is the exact inverse of the world's story grammar."""
    import random

    from omni.data.toyworld.text import read_story, story

    rng = random.Random(0)
    for _ in range(300):
        text = ""
        for k, (sentence, scene) in enumerate(story(rng)):
            text += (" " if k else "") + sentence
            assert read_story(text) == scene
    assert read_story("There is a small red circle in the center. The square moves to the top.") is None  # other shape
    assert read_story("There is a small red circle in the center. It is nice.") is None
    assert read_story("") is None


def test_vqa_question_kinds():
    from omni.data.toyworld.text import QUESTIONS
    from omni.eval.toyworld import question_kind

    assert {question_kind(f"<image>\n{q}") for q in QUESTIONS.values()} == set(QUESTIONS)
    assert question_kind("Is there a red circle?") == "yesno"


def test_reading_corpus_states_the_answer_in_the_context():
    """The toy LLM's chat documents answer from what the user's turn says (the skill stage I relies on)."""
    from omni.zoo.toy.llm import toy_documents

    chats = [d for d in toy_documents(400, seed=3) if d.startswith("A chat")]
    assert chats
    asked = 0
    for chat in chats:
        stated = chat.split("USER: There is ", 1)[1].split(".", 1)[0]
        turns = [turn.split(" ASSISTANT: ") for turn in chat.split(".", 2)[2].split("</s> USER:")]
        assert len(turns) >= 2
        for question, answer in turns:
            if question.strip() in ("What color is the shape?", "What shape is it?"):
                assert f" {answer} " in f" {stated} "
                asked += 1
    assert asked > len(chats)  # several questions per stated scene


def test_reading_accuracy_is_reported_per_kind_of_question(tiny_zoo):
    """A whole hid a missing kind (one colour answered to every colour question): the zoo reports each kind."""
    out, _ = tiny_zoo
    result = json.loads((out / "llama" / "zoo_result.json").read_text())
    kinds = ["reading_color", "reading_shape", "reading_size", "reading_position", "reading_yesno"]
    assert all(0.0 <= result[k] <= 1.0 for k in kinds)
    assert abs(result["reading_accuracy"] - sum(result[k] for k in kinds) / len(kinds)) < 1e-9


def test_toy_fid_is_zero_for_identical_sets_and_grows_with_difference(tiny_zoo):
    from omni.eval.toy import toy_fid

    out, _ = tiny_zoo
    torch.manual_seed(0)
    real = torch.rand(40, 3, 64, 64)
    assert abs(toy_fid(out / "clip", real, real)) < 1e-3
    assert toy_fid(out / "clip", real, real * 0.2) > toy_fid(out / "clip", real, real * 0.9)


def _fake_run(runs: Path, seed: int, value: float) -> Path:
    """A recipe run folder as scripts/toyworld_recipe.sh leaves it, with every figure derived from `value`."""
    from PIL import Image

    folder = runs / f"toy-seed{seed}"
    for stage, offset in (("toy_sd", 0.0), ("s1", 0.1), ("s3", 0.2)):
        (folder / stage / "eval" / "samples").mkdir(parents=True)
        scores = {"creation_all": value + offset, "fid": 10 * value, "caption_examples": [["a small red circle at the top"] * 2]}
        (folder / stage / "eval" / "eval.json").write_text(json.dumps(scores))
        Image.new("RGB", (64, 64), "red").save(folder / stage / "eval" / "samples" / "creation_00.png")
    (folder / "s3" / "eval" / "documents.html").write_text("<html></html>")
    machine = {"cpu": "Test CPU", "cpu_count": 2, "torch": "2.13.0", "omp_num_threads": "1"}
    (folder / "recipe.json").write_text(json.dumps({"seed": seed, "zoo": str(folder / "zoo"), "commit": "abc1234",
                                                    "machine": machine, "times": {"total": 100 + seed}}))
    return folder


def test_report_table_and_grid(tmp_path):
    from PIL import Image

    from projects.dreamllm.report_toy import RecipeRun, write_report

    run = RecipeRun.load(_fake_run(tmp_path / "runs", 0, 0.3))
    text = write_report([run], tmp_path / "report.md", "s1", "s3").read_text()
    assert "(runs/toy-seed0/s3/eval/documents.html)" in text
    assert "| creation accuracy (all 4) | 0.2% | 30.0% | 40.0% | 50.0% |" in text and "| total | 100 |" in text
    assert "Test CPU, 2 CPUs, torch 2.13.0 (1 thread(s) per process)" in text
    grid = Image.open(tmp_path / "creation_grid.png")
    assert grid.size[0] - 3 * 96 < 260  # the prompt band fits the prompts, no wider
    # the first created image sits right under the header, which holds the wrapped column names whole
    left, rows = grid.size[0] - 3 * 96, grid.size[1] // 96
    header = grid.size[1] - rows * 96
    assert grid.getpixel((left + 10, header + 10)) == (255, 0, 0) and grid.getpixel((left + 10, header - 2)) != (255, 0, 0)


def test_the_creation_grid_wraps_long_column_names_instead_of_clipping(tmp_path):
    from PIL import Image, ImageDraw

    from projects.dreamllm.report_toy import _wrap, grid

    names = {"DreamLLM, stages I–III with a long name": tmp_path, "toy SD": tmp_path}
    out = grid(names, ["a small red circle at the top"], tmp_path / "grid.png", count=1)
    draw = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    assert all(draw.textlength(line) <= 96 - 8 for line in _wrap(draw, list(names)[0], 96 - 8))
    image = Image.open(out)
    assert image.size[1] > 96 + 24  # a taller header for the wrapped name
    width = image.size[0] - 2 * 96
    assert width <= draw.textlength("a small red circle at the top") + 8 + 1  # no blank band


def test_report_over_seeds_gives_mean_and_range(tmp_path):
    from projects.dreamllm.report_toy import RecipeRun, write_report

    runs = [RecipeRun.load(_fake_run(tmp_path / "runs", seed, value)) for seed, value in ((0, 0.3), (1, 0.1), (2, 0.2))]
    text = write_report(runs, tmp_path / "report.md", "s1", "s3").read_text()
    assert "Mean over 3 runs (seeds 0, 1, 2)" in text
    assert "| creation accuracy (all 4) | 0.2% | 20.0% (10.0–30.0) | 30.0% (20.0–40.0) | 40.0% (30.0–50.0) |" in text
    assert "| toy FID (toy-CLIP features, lower is better) |  | 2.00 (1.00–3.00) |" in text
    assert "| total | 101 (100–102) |" in text
    assert text.count("| abc1234 |") == 3


def test_fit_with_ema_ends_at_the_average_of_its_iterates():
    """A parameter that climbs steadily (constant gradient): the average of its iterates trails the last one (by
    little here: the cosine schedule has almost stopped it by the end, and diffusers' EMA warms its decay up)."""
    from omni.zoo.toy.common import fit

    def final(ema_decay):
        weight = torch.nn.Parameter(torch.zeros(1))
        fit("ema", [weight], lambda index: -weight.sum(), n=2, batch_size=1, steps=200, lr=0.01, seed=0, progress=False,
            warmup=0, ema_decay=ema_decay)
        return weight.item()

    last, averaged = final(None), final(0.99)
    assert last > 1.0  # Adam moves it by about the learning rate per step
    assert 0.9 * last < averaged < last - 0.005


def test_part_of_the_zoo_builds_alone_with_what_it_depends_on(toy_data, tmp_path):
    from omni.zoo.toy.build import build_toy_zoo

    summary = build_toy_zoo(tmp_path / "zoo", toy_data, scale="tiny", workers=1, progress=False, only=("llama",))
    assert set(summary["components"]) == {"llama"} and sorted(p.name for p in (tmp_path / "zoo").iterdir() if p.is_dir()) == ["llama"]
    with pytest.raises(ValueError, match="unknown toy-zoo components \\['lama'\\]"):
        build_toy_zoo(tmp_path / "zoo", toy_data, scale="tiny", only=("lama",))
    from omni.zoo.toy.build import COMPONENTS, DEPENDS_ON

    assert set(DEPENDS_ON["sd"]) <= set(COMPONENTS)  # asking for the SD brings its CLIP and VAE
    # a part added later keeps the zoo's summary: its components, and the first build's time beside the added one's
    added = build_toy_zoo(tmp_path / "zoo", toy_data, scale="tiny", workers=1, progress=False, only=("classifier",))
    assert set(added["components"]) == {"llama", "classifier"} and added["seconds"] == summary["seconds"]
    assert [b["components"] for b in added["later_builds"]] == [["classifier"]]
