"""LLaVA-style JSON datasets: reading, skipping and counting bad entries, registry integration, the validator."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from omni.data.dataset_info import DatasetType, JsonDatasetInfo
from omni.data.datasets import JsonConversationDataset
from omni.data.registry import DataRegistry
from omni.data.toyworld import render, sample_scene

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture()
def llava(tmp_path):
    images = tmp_path / "llava" / "images"
    images.mkdir(parents=True)
    render(sample_scene(0, 1)).save(images / "a.png")
    (images / "broken.png").write_bytes(b"not a png")
    entries = [
        {"id": "good", "image": "a.png", "conversations": [{"from": "human", "value": "<image>\nWhat color is the shape?"},
                                                            {"from": "gpt", "value": "red"}]},
        {"id": "no-placeholder", "image": "a.png", "conversations": [{"from": "human", "value": "What shape is it?"},
                                                                      {"from": "gpt", "value": "circle"}]},
        {"id": "text-only", "conversations": [{"from": "human", "value": "Hello"}, {"from": "gpt", "value": "Hi"}]},
        {"id": "missing", "image": "nowhere.png", "conversations": [{"from": "human", "value": "<image>\nQ"}, {"from": "gpt", "value": "A"}]},
        {"id": "broken", "image": "broken.png", "conversations": [{"from": "human", "value": "<image>\nQ"}, {"from": "gpt", "value": "A"}]},
        {"id": "bad-role", "conversations": [{"from": "robot", "value": "Q"}]},
        {"id": "two-placeholders", "image": "a.png", "conversations": [{"from": "human", "value": "<image> <image>"}, {"from": "gpt", "value": "A"}]},
        {"id": "user-last", "conversations": [{"from": "human", "value": "Q"}, {"from": "gpt", "value": "A"},
                                               {"from": "human", "value": "and then?"}]},
        "not even a dict",
    ]
    (tmp_path / "llava" / "data.json").write_text(json.dumps(entries))
    return tmp_path, JsonDatasetInfo("llava_test", "test", DatasetType.Conversation, "9", "llava/data.json", "llava/images")


def test_reads_good_entries_and_counts_bad_ones(llava):
    root, info = llava
    dataset = JsonConversationDataset(info, root, epochs=1)
    samples = list(dataset)
    assert sorted(s["key"] for s in samples) == ["good", "no-placeholder", "text-only"]
    assert dataset.skipped.count == 6 and dataset.skipped.reasons["nothing to learn"] == 1
    moved = next(s for s in samples if s["key"] == "no-placeholder")
    assert moved["conversations"][0]["value"].startswith("<image>\n") and len(moved["images"]) == 1


def test_order_is_seeded_and_covers_every_sample(llava):
    root, info = llava
    keys = lambda seed: [s["key"] for s in JsonConversationDataset(info, root, seed=seed, epochs=2)]  # noqa: E731
    assert keys(0) == keys(0) and sorted(keys(0)) == sorted(keys(1)) == sorted(["good", "no-placeholder", "text-only"] * 2)


def test_registry_builds_json_datasets_and_reports_bad_files(llava, tmp_path):
    root, info = llava
    registry = DataRegistry("test")
    registry.register(info)
    stream = iter(registry.build(["llava_test"], data_root=root))
    assert next(stream)["kind"] == "conversation"
    assert "llava_test" in registry.table(root) and "yes" in registry.table(root)
    (root / "llava" / "data.json").write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        info.load_annotations(root)
    with pytest.raises(FileNotFoundError, match="annotation file"):
        info.load_annotations(tmp_path / "elsewhere")


def test_validator_lists_every_problem(llava):
    root, _ = llava
    result = subprocess.run([sys.executable, "scripts/data/validate_llava.py", "--json", str(root / "llava/data.json"),
                             "--image_root", str(root / "llava/images")], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 1
    assert "9 entries, 6 with problems" in result.stdout and "nowhere.png" in result.stdout and "robot" in result.stdout
