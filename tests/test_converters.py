"""Converters from raw data to shards: every kind of bad input is reported and skipped, good data round-trips
through the typed readers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from omni.data.converters import mmc4_to_shards, pairs_to_shards
from omni.data.dataset_info import DatasetType
from omni.data.datasets import TypedWebDataset
from omni.data.toyworld import render, sample_scene

ROOT = Path(__file__).resolve().parents[1]


def _read(folder: Path, kind: DatasetType) -> list[dict]:
    shards = json.loads((folder / "shards.json").read_text())["shards"]
    return list(TypedWebDataset([str(folder / s) for s in shards], kind, shuffle_buffer=1, epochs=1))


@pytest.fixture()
def mmc4(tmp_path):
    images = tmp_path / "images"
    images.mkdir()
    for i in range(3):
        render(sample_scene(0, i)).save(images / f"{i}.png")
    render(sample_scene(0, 9)).convert("RGB").save(images / "photo.jpg")
    (images / "broken.jpg").write_bytes(b"\xff\xd8\xff not really a jpeg")
    docs = [
        {"text_list": ["A red circle.", "It moves.", "The end."], "url": "u1",
         "image_info": [{"image_name": "0.png", "matched_text_index": 0}, {"image_name": "photo.jpg", "matched_text_index": 2}]},
        {"text_list": ["Two pictures, one lost."],
         "image_info": [{"image_name": "1.png", "matched_text_index": 0}, {"image_name": "gone.png", "matched_text_index": 0}]},
        {"text_list": ["Only a broken image."], "image_info": [{"image_name": "broken.jpg", "matched_text_index": 0}]},
        {"text_list": [], "image_info": [{"image_name": "2.png", "matched_text_index": 0}]},
        {"text_list": ["Bad index."], "image_info": [{"image_name": "2.png", "matched_text_index": 5}]},
    ]
    lines = [json.dumps(d) for d in docs]
    lines.insert(2, '{"text_list": ["cut off')
    (tmp_path / "docs.jsonl").write_text("\n".join(lines) + "\n\n")
    return tmp_path


def test_mmc4_conversion_keeps_good_documents_and_reports_the_rest(mmc4):
    report = mmc4_to_shards(mmc4 / "docs.jsonl", mmc4 / "images", mmc4 / "out", shard_size=1)
    assert (report.written, report.skipped, report.images, report.dropped_images) == (2, 4, 3, 3)
    text = "\n".join(report.problems)
    for expected in ("line 3: not JSON", "image listed but absent (gone.png)", "undecodable image (broken.jpg",
                     "line 5: no text_list", "matched to a missing sentence", "no usable image"):
        assert expected in text
    assert report.shards == ["interleaved-000000.tar", "interleaved-000001.tar"]
    docs = sorted(_read(mmc4 / "out", DatasetType.InterleavedImageText), key=lambda d: d["key"])
    assert [len(d["images"]) for d in docs] == [2, 1]
    assert docs[0]["matched_text_index"] == [0, 2] and docs[0]["text_list"][1] == "It moves."
    assert docs[0]["images"][1].size == (64, 64) and docs[0]["meta"]["url"] == "u1"


def test_mmc4_strict_skips_a_document_with_any_bad_image(mmc4):
    report = mmc4_to_shards(mmc4 / "docs.jsonl", mmc4 / "images", mmc4 / "out", strict=True)
    assert report.written == 1


def test_mmc4_validate_writes_nothing_and_fails(mmc4):
    result = subprocess.run([sys.executable, "scripts/data/mmc4_to_shards.py", "--jsonl", str(mmc4 / "docs.jsonl"),
                             "--image_root", str(mmc4 / "images"), "--validate"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 1 and "2 samples written in 0 shard(s), 4 skipped" in result.stdout
    assert not (mmc4 / "out").exists()


def test_pairs_from_a_folder_and_from_a_csv(tmp_path):
    folder = tmp_path / "folder"
    (folder / "sub").mkdir(parents=True)
    render(sample_scene(0, 1)).save(folder / "a.png")
    (folder / "a.txt").write_text("a small red circle\n")
    render(sample_scene(0, 2)).save(folder / "sub" / "b.png")  # no caption
    (folder / "c.png").write_bytes(b"broken")
    (folder / "c.txt").write_text("never read")
    report = pairs_to_shards(folder, tmp_path / "from_folder")
    assert (report.written, report.skipped) == (1, 2) and any("missing caption" in p for p in report.problems)
    pairs = _read(tmp_path / "from_folder", DatasetType.ImageTextPair)
    assert [p["text"] for p in pairs] == ["a small red circle"]

    (tmp_path / "captions.csv").write_text("file,text\nfolder/a.png,first\nfolder/missing.png,second\nfolder/sub/b.png,\n")
    result = subprocess.run([sys.executable, "scripts/data/pairs_to_shards.py", "--source", str(tmp_path / "captions.csv"),
                             "--image_column", "file", "--caption_column", "text", "--out", str(tmp_path / "from_csv")],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 1, result.stderr
    assert "row 3: image listed but absent" in result.stdout and "row 4: missing caption" in result.stdout
    assert [p["text"] for p in _read(tmp_path / "from_csv", DatasetType.ImageTextPair)] == ["first"]
    with pytest.raises(ValueError, match="no column"):
        pairs_to_shards(tmp_path / "captions.csv", None)
