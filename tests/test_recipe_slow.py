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
    assert zoo["llama"]["reading_accuracy"] > 0.5  # answers chat questions about what its context states


def test_comprehension_far_above_chance(results):
    stage1, final = results["stage1"], results["final"]
    assert stage1["caption_all"] > 0.1 and final["caption_all"] > 0.2  # chance: 1/432
    assert final["caption_color"] > 0.8 and final["caption_size"] > 0.7 and final["caption_position"] > 0.4
    assert final["caption_shape"] > 0.5  # chance: 1/3
    assert final["vqa_accuracy"] > 0.4
    assert final["vqa_shape"] > 0.4 and final["vqa_size"] > 0.75 and final["vqa_position"] > 0.4


def test_creation_far_above_chance(results):
    for stage in ("stage1", "final"):
        scores = results[stage]
        assert scores["creation_color"] > 0.6 and scores["creation_shape"] > 0.6 and scores["creation_size"] > 0.8, stage
    assert results["final"]["interleaved_color"] > 0.3  # chance: 1/8
    assert results["final"]["dream_placement"] > 0.9


@pytest.mark.xfail(strict=True, reason="the toy SD hardly conditions on position (docs/toyworld.md): created positions "
                   "and VQA colour answers are still at chance; this turns green when they learn")
def test_known_gaps_learn(results):
    final = results["final"]
    assert final["creation_position"] > 0.3 and final["vqa_color"] > 0.4  # chance: 1/9 and 1/8
