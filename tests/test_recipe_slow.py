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


@pytest.fixture(scope="module")
def results():
    if not os.environ.get("OMNI_REUSE_RECIPE"):
        subprocess.run(["bash", "scripts/toyworld_recipe.sh"], cwd=ROOT, check=True, timeout=2 * 3600)
    load = lambda path: json.loads(path.read_text())  # noqa: E731
    return {"sd": load(RUNS / "toy_sd/eval/eval.json"), "stage1": load(RUNS / "stage1_comprehension/eval/eval.json"),
            "final": load(RUNS / "stage3_sft/eval/eval.json"), "zoo": load(ZOO / "zoo_summary.json")}


# Thresholds sit below the third run's figures (docs/toyworld.md, "Third run"), far above chance.


def test_zoo_quality(results):
    zoo = results["zoo"]["components"]
    assert zoo["clip"]["retrieval_top1"] > 0.3  # chance: 1/432
    assert zoo["vae"]["psnr"] > 24
    assert zoo["classifier"]["all"] > 0.7
    assert zoo["sd"]["t2i_color"] > 0.8 and zoo["sd"]["t2i_position"] > 0.6  # chance: 1/8, 1/9
    assert zoo["llama"]["reading_accuracy"] > 0.8  # answers chat questions about what its context states


def test_comprehension_far_above_chance(results):
    stage1, final = results["stage1"], results["final"]
    assert stage1["caption_all"] > 0.08 and final["caption_all"] > 0.15  # chance: 1/432
    assert final["caption_color"] > 0.7 and final["caption_size"] > 0.65 and final["caption_position"] > 0.35
    assert final["caption_shape"] > 0.5  # chance: 1/3
    assert final["vqa_accuracy"] > 0.6
    assert final["vqa_color"] > 0.6 and final["vqa_shape"] > 0.5 and final["vqa_size"] > 0.75
    assert final["vqa_position"] > 0.6 and final["vqa_yesno"] > 0.55


def test_creation_far_above_chance(results):
    for stage in ("stage1", "final"):
        scores = results[stage]
        assert scores["creation_color"] > 0.8 and scores["creation_shape"] > 0.6 and scores["creation_size"] > 0.85, stage
        assert scores["creation_position"] > 0.25, stage  # chance: 1/9
    final = results["final"]
    assert final["interleaved_all"] > 0.12 and final["interleaved_color"] > 0.3 and final["interleaved_position"] > 0.2
    assert final["interleaved_all"] > results["sd"]["interleaved_all"]  # context helps: the toy SD draws each sentence alone
    assert final["dream_placement"] > 0.9


def test_free_form_documents(results):
    final = results["final"]
    assert final["documents_with_images"] > 0.8 and final["documents_images_readable"] > 0.8
    assert final["documents_all"] > 0.1 and final["documents_color"] > 0.35  # chance: 1/432, 1/8


def test_the_benchmark_runner_agrees_with_the_toy_evaluation(results, tmp_path):
    """The toy test split written as VQAv2 files (omni.data.toyworld.benchmarks) and run through the benchmark runner
    scores the final model as eval_toy does (official VQA accuracy here, exact match there; 500 vs 256 questions)."""
    from omni.data.toyworld.benchmarks import write_benchmarks
    from omni.eval.answerers import OmniAnswerer
    from omni.eval.benchmarks import get_benchmark
    from omni.eval.runner import run_benchmark

    write_benchmarks(ROOT / "data", tmp_path / "eval", num=500)
    scores = run_benchmark(get_benchmark("vqav2"), OmniAnswerer(RUNS / "stage3_sft"), tmp_path / "out",
                           tmp_path / "eval", batch_size=16, prompt="{question}")["scores"]
    assert abs(scores["accuracy"] - 100 * results["final"]["vqa_accuracy"]) < 6
