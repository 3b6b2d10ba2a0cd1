"""The toy recipe learns: run `scripts/toyworld_recipe.sh` (about an hour on 2 cores) and check the report's numbers.

Slow, outside the default suite: `.venv/bin/python -m pytest -m slow`. If the recipe's outputs already exist
(work_dirs/toy/*/eval/eval.json), set OMNI_REUSE_RECIPE=1 to check them without running it again.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def results():
    runs = ROOT / "work_dirs" / "toy"
    if not os.environ.get("OMNI_REUSE_RECIPE"):
        subprocess.run(["bash", "scripts/toyworld_recipe.sh"], cwd=ROOT, check=True, timeout=2 * 3600)
    load = lambda path: json.loads(path.read_text())  # noqa: E731
    return {"sd": load(ROOT / "zoo/toy/sd/eval/eval.json"), "stage1": load(runs / "stage1_comprehension/eval/eval.json"),
            "final": load(runs / "stage3_sft/eval/eval.json"), "zoo": load(ROOT / "zoo/toy/zoo_summary.json")}


def test_zoo_quality(results):
    zoo = results["zoo"]["components"]
    assert zoo["clip"]["retrieval_top1"] > 0.3  # chance: 1/432
    assert zoo["vae"]["psnr"] > 24
    assert zoo["classifier"]["all"] > 0.7
    assert zoo["sd"]["t2i_color"] > 0.5  # chance: 1/8


def test_comprehension_far_above_chance(results):
    final = results["final"]
    assert final["caption_all"] > 0.2  # chance: 1/432
    assert final["vqa_accuracy"] > 0.5  # chance: about 1/5 (yes/no questions are a quarter)


def test_creation_far_above_chance(results):
    for stage in ("stage1", "final"):
        scores = results[stage]
        assert scores["creation_color"] > 0.4 and scores["creation_size"] > 0.65, stage  # chance: 1/8 and 1/2
    assert results["final"]["interleaved_color"] > 0.3  # chance: 1/8
    assert results["final"]["dream_placement"] > 0.5
