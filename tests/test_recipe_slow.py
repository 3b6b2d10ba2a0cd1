"""The toy recipe learns: run `scripts/toyworld_recipe.sh` (about an hour on 2 cores) and check the report's numbers.

Slow, outside the default suite: `.venv/bin/python -m pytest -m slow`. If the recipe's outputs already exist
(work_dirs/toy/*/eval/eval.json), set OMNI_REUSE_RECIPE=1 to check them without running it again. SEED=N checks (or
runs) the recipe with that seed, in zoo/toy-seedN and work_dirs/toy-seedN, as `SEED=N scripts/toyworld_recipe.sh` does.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


SEED = int(os.environ.get("SEED", "0"))
SUFFIX = f"-seed{SEED}" if SEED else ""
RUNS = ROOT / os.environ.get("RUNS", f"work_dirs/toy{SUFFIX}")
ZOO = ROOT / os.environ.get("ZOO", f"zoo/toy{SUFFIX}")
DATA = Path(os.environ.get("OMNI_DATA_ROOT", ROOT / "data"))  # the toy world the recipe wrote


@pytest.fixture(scope="module")
def results():
    if not os.environ.get("OMNI_REUSE_RECIPE"):
        subprocess.run(["bash", "scripts/toyworld_recipe.sh"], cwd=ROOT, check=True, timeout=2 * 3600)
    load = lambda path: json.loads(path.read_text())  # noqa: E731
    return {"sd": load(RUNS / "toy_sd/eval/eval.json"), "stage1": load(RUNS / "stage1_joint/eval/eval.json"),
            "final": load(RUNS / "stage3_sft/eval/eval.json"), "zoo": load(ZOO / "zoo_summary.json")}


# ---- thresholds from the measured spread -------------------------------------------------------------------------
# The worst of five runs of three seeds (0, 1, 2) of the whole recipe (joint stage I with the LLM training, stages II
# and III at 1e-4, the pairs rehearsed in stage III) on an AMD EPYC (family 25 model 17, AVX512), 2 cores, one thread
# per process, torch 2.13.0+cpu (session 22; docs/toyworld.md, "The recipe since session 22"; the files in
# docs/toyworld_runs/session22_recipe). Seed 0 is one `scripts/toyworld_recipe.sh` run at c53b782; seeds 1 and 2 ran
# the same stages as separate one-process runs (sessions 20-22); seed 1 also as one recipe run at 6e743aa (two
# processes per stage), which set eight of these (VQA colour 0.61 there, 0.78 in its one-process run: the thresholds
# of three runs failed it, so it counts as a fourth). Session 23 ran the recipe from a fresh clone (at 89330e0, two
# processes per stage; docs/toyworld_runs/session23_fresh_clone): seeds 0 and 1 reproduced their recipe runs above to
# the digit; seed 2, its first two-process run, set three of these (VQA position 0.766, 0.936 in its one-process run;
# stage I story colour 0.348; documents' images readable 0.993). Each figure must reach MARGIN x its worst run: seeds
# differ by more than machines do, so another seed or machine may land below the worst measured one, and the margin
# leaves room. Only figures whose threshold is far above chance are checked: at least chance + 4 standard errors of
# guessing on the 128 or more items each is judged on, so a model at chance fails.
MARGIN = 0.8
WORST = {
    "zoo.clip.retrieval_top1": 1.0, "zoo.classifier.all": 1.0, "zoo.sd.t2i_color": 0.992, "zoo.sd.t2i_shape": 0.918,
    "zoo.sd.t2i_size": 1.0, "zoo.sd.t2i_position": 0.996, "zoo.sd.t2i_all": 0.91, "zoo.llama.reading_accuracy": 0.905,
    "zoo.vae.recon_all": 0.896,
    "stage1.caption_all": 0.98, "stage1.caption_color": 1.0, "stage1.caption_shape": 0.98, "stage1.caption_size": 0.98,
    "stage1.caption_position": 1.0, "stage1.creation_all": 0.797, "stage1.creation_color": 0.863,
    "stage1.creation_shape": 0.898, "stage1.creation_size": 0.996, "stage1.creation_position": 0.973,
    "stage1.interleaved_all": 0.072, "stage1.interleaved_color": 0.348, "stage1.interleaved_shape": 0.867,
    "final.caption_all": 0.98, "final.caption_color": 1.0, "final.caption_shape": 0.98, "final.caption_size": 0.984,
    "final.caption_position": 0.996, "final.vqa_accuracy": 0.742, "final.vqa_color": 0.61, "final.vqa_shape": 0.655,
    "final.vqa_size": 0.932, "final.vqa_position": 0.766, "final.creation_all": 0.57, "final.creation_color": 0.664,
    "final.creation_shape": 0.934, "final.creation_size": 0.992, "final.creation_position": 0.871,
    "final.interleaved_all": 0.088, "final.interleaved_shape": 0.934, "final.dream_placement": 1.0,
    "final.documents_with_images": 1.0, "final.documents_images_readable": 0.993, "final.documents_all": 0.103,
    "final.documents_color": 0.417, "final.documents_shape": 0.914, "final.chat_answer_accuracy": 0.75,
    "final.chat_draws": 0.984, "final.chat_creation_shape": 0.778,
}
# chance of each figure (432 combinations of 8 colours, 3 shapes, 2 sizes, 9 positions); None: not a guess
CHANCE = {"all": 1 / 432, "retrieval_top1": 1 / 432, "color": 1 / 8, "shape": 1 / 3, "size": 1 / 2, "position": 1 / 9,
          "yesno": 1 / 2}
# Measured, and not checked because the worst seed is within reach of chance (still fragile: docs/toyworld.md):
# positions in stories and documents (stage I / III stories 0.155 / 0.232, documents 0.191), and so story colours
# after stage III (0.265); sizes in stories and documents (0.69-0.85: 0.8 x that is within 4 standard errors of a
# coin); what a chat draws after a question, but its shape (all four 0.016, colour 0.266, position 0.125, size 0.688);
# yes/no questions (0.500-0.545, chance 0.5). Not asked of stage I, which learns from image-text pairs only: its
# questions (VQA 0.336-0.406 in all; colour 0.049, position 0.000) and where a story's images go (dream placement 0.000).
JUDGED = 128  # the fewest items any checked figure is judged on (256 pairs and questions, 64 stories, 64 documents)


def chance_of(name: str) -> float | None:
    attribute = name.rsplit(".", 1)[-1].rsplit("_", 1)[-1]
    return None if name.endswith(("accuracy", "placement", "images", "readable")) else CHANCE.get(attribute)


def threshold(name: str) -> float:
    return MARGIN * WORST[name]


def figure(results: dict, name: str) -> float:
    group, *path = name.split(".")
    value = results[group]["components"] if group == "zoo" else results[group]
    for part in path:
        value = value[part]
    return value


def test_thresholds_are_far_above_chance():
    for name in WORST:
        chance = chance_of(name)
        if chance is not None:
            standard_error = (chance * (1 - chance) / JUDGED) ** 0.5
            assert threshold(name) >= chance + 4 * standard_error, (name, threshold(name), chance)


def test_every_measured_figure_reaches_its_threshold(results):
    below = {name: (round(figure(results, name), 3), round(threshold(name), 3)) for name in WORST
             if figure(results, name) < threshold(name)}
    assert not below, f"below MARGIN x the worst measured seed (figure, threshold): {below}"


def test_zoo_quality(results):
    assert results["zoo"]["components"]["vae"]["psnr"] > 24  # worst seed 31.5 dB (seeds 0-2, session 22; 31.1 on the Intel zoos of session 13)


def test_context_helps_stories(results):
    # every seed: DreamLLM's story images beat the toy SD drawing each sentence alone (0.199 / 0.110 / 0.088 against
    # 0.017 / 0.011 / 0.017 for seeds 0 / 1 / 2, session 22)
    assert results["final"]["interleaved_all"] > results["sd"]["interleaved_all"]


def test_the_benchmark_runner_agrees_with_the_toy_evaluation(results, tmp_path):
    """The toy test split written as VQAv2 files (omni.data.toyworld.benchmarks) and run through the benchmark runner
    scores the final model as eval_toy does (official VQA accuracy here, exact match there; 500 vs 256 questions)."""
    from omni.data.toyworld.benchmarks import write_benchmarks
    from omni.eval.answerers import OmniAnswerer
    from omni.eval.benchmarks import get_benchmark
    from omni.eval.runner import run_benchmark

    write_benchmarks(DATA, tmp_path / "eval", num=500)
    scores = run_benchmark(get_benchmark("vqav2"), OmniAnswerer(RUNS / "stage3_sft"), tmp_path / "out",
                           tmp_path / "eval", batch_size=16, prompt="{question}")["scores"]
    assert abs(scores["accuracy"] - 100 * results["final"]["vqa_accuracy"]) < 6
