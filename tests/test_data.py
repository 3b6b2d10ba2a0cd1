"""Toy world determinism, shards that read back, the tokenizer, the registry, corrupt samples skipped and counted."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import numpy as np
import pytest
import torch

from omni.data.constants import DataManager
from omni.data.dataset_info import DatasetType, WebDatasetInfo, parse_size
from omni.data.datasets import ImageTextPairWebDataset
from omni.data.toyworld import render, sample_scene
from omni.data.toyworld.generate import write_pairs
from omni.data.toyworld.world import heldout_scenes


def test_generator_is_a_pure_function_of_seed_and_index():
    assert sample_scene(0, 17) == sample_scene(0, 17)
    assert [sample_scene(0, i) for i in range(50)] != [sample_scene(1, i) for i in range(50)]
    a = np.asarray(render(sample_scene(3, 9), jitter_seed="x"))
    assert np.array_equal(a, np.asarray(render(sample_scene(3, 9), jitter_seed="x")))


def test_rendered_colour_is_the_captioned_colour():
    from omni.data.toyworld.world import BACKGROUND, COLORS, Scene

    image = np.asarray(render(Scene("blue", "square", "large", "center")))
    pixels = {tuple(p) for p in image.reshape(-1, 3)}
    assert pixels == {BACKGROUND, COLORS["blue"]}


def test_same_seed_same_shard_bytes(tmp_path):
    write_pairs(tmp_path / "a", 30, seed=5, shard_size=10, progress=False)
    write_pairs(tmp_path / "b", 30, seed=5, shard_size=10, progress=False)
    def members(path):
        with tarfile.open(path) as tar:
            return [(m.name, tar.extractfile(m).read()) for m in tar.getmembers()]

    for name in ("pairs-train-000000.tar", "pairs-train-000002.tar"):
        assert members(tmp_path / "a" / name) == members(tmp_path / "b" / name)


def test_shards_read_back_through_the_registry(toy_data):
    info = DataManager.get("toyworld_pairs")
    urls = info.shard_urls(toy_data)
    assert len(urls) == 4
    dataset = ImageTextPairWebDataset(urls, seed=0, shuffle_buffer=1, epochs=1)
    samples = list(dataset)
    assert len(samples) == 400 and dataset.skipped.count == 0
    first = samples[0]
    index = int(first["key"].removeprefix("pairs-train"))
    assert first["image"].size == (64, 64)
    assert first["text"] == sample_scene(0, index, exclude=heldout_scenes(0)).caption()
    assert not any(s["meta"]["heldout"] for s in samples)  # held-out combinations never appear in training


def test_stream_order_is_deterministic(toy_data):
    urls = DataManager.get("toyworld_pairs").shard_urls(toy_data)
    keys = lambda seed: [s["key"] for s in ImageTextPairWebDataset(urls, seed=seed, shuffle_buffer=50, epochs=1)]  # noqa: E731
    assert keys(1) == keys(1) and keys(1) != keys(2) and sorted(keys(1)) == sorted(keys(2))


def test_tokenizer_covers_the_world(toy_tokenizer):
    from omni.constants import SPECIAL_TOKENS
    from omni.data.toyworld.alignment import alignment_texts
    from omni.data.toyworld.detail import detail_texts
    from omni.data.toyworld.multi import multi_texts
    from omni.data.toyworld.text import all_texts

    # the optional kinds too: the tokenizer is not retrained for them, so their words must be spelled with its pieces
    for text in all_texts() + detail_texts() + multi_texts() + alignment_texts():
        ids = toy_tokenizer(text, add_special_tokens=False).input_ids
        assert toy_tokenizer.unk_token_id not in ids and toy_tokenizer.decode(ids) == text, text
    assert toy_tokenizer.bos_token_id == 1 and toy_tokenizer.eos_token_id == 2
    assert all(len(toy_tokenizer(t, add_special_tokens=False).input_ids) == 1 for t in SPECIAL_TOKENS)


def _tar(path, members: dict[str, bytes]):
    with tarfile.open(path, "w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def test_corrupt_samples_are_skipped_and_counted(tmp_path):
    good = io.BytesIO()
    render(sample_scene(0, 0)).save(good, format="PNG")
    _tar(tmp_path / "bad-0.tar", {
        "a.png": good.getvalue(), "a.txt": b"a good caption",
        "b.png": b"not an image at all", "b.txt": b"undecodable image",
        "c.png": good.getvalue(),  # no caption
        "d.png": good.getvalue(), "d.txt": b"another good one",
    })
    whole = (tmp_path / "bad-0.tar").read_bytes()
    (tmp_path / "bad-1.tar").write_bytes(whole[: len(whole) // 2 + 100])  # truncated tar
    dataset = ImageTextPairWebDataset([str(tmp_path / "bad-0.tar"), str(tmp_path / "bad-1.tar")], shuffle_buffer=1,
                                      epochs=1, name="broken")
    texts = [s["text"] for s in dataset]
    assert "a good caption" in texts and "another good one" in texts and "undecodable image" not in texts
    assert dataset.skipped.count >= 3


def test_registry_errors_and_table(tmp_path):
    with pytest.raises(KeyError, match="Did you mean 'toyworld_pairs'"):
        DataManager.get("toyworld_pair")
    info = WebDatasetInfo("mine", "test", DatasetType.ImageTextPair, "1K", "nowhere/list.json")
    with pytest.raises(FileNotFoundError, match="shard list"):
        info.shard_urls(tmp_path)
    assert "toyworld_pairs" in DataManager.table(tmp_path)
    assert parse_size("10M") == 10_000_000 and parse_size("558K") == 558_000 and parse_size(7) == 7


def test_pair_transform_modes_and_caption_dropout(tiny_model, toy_tokenizer):
    from omni.data.builders import MultimodalTransform, SequenceBuilder

    config = tiny_model.config
    builder = SequenceBuilder(toy_tokenizer, config.special_token_ids, 16, 8, 512)
    pair = {"image": render(sample_scene(0, 1)), "text": "a small red circle at the top", "key": "k1"}
    head = tiny_model.diffusion_head
    creation = MultimodalTransform(builder, "creation", head_preprocess=head.preprocess, drop_prob=1.0)(pair)
    assert torch.equal(creation["input_ids"], torch.tensor(builder.creation("").input_ids))  # the null sequence
    assert creation["dream_pixel_values"].shape == (1, 3, 64, 64) and creation["dream_pixel_values"].min() >= -1
    comprehension = MultimodalTransform(builder, "comprehension", vision_preprocess=tiny_model.vision_encoder.preprocess)(pair)
    assert comprehension["pixel_values"].shape == (1, 3, 64, 64)
    with pytest.raises(ValueError, match="needs an image head"):
        MultimodalTransform(builder, "creation")


def test_data_list_cli(toy_data, capsys):
    from omni.data.__main__ import main

    main(["list", "--data_root", str(toy_data)])
    out = capsys.readouterr().out
    assert "toyworld_pairs" in out and "yes" in out and json.loads((toy_data / "toyworld/info.json").read_text())["sizes"]["pairs"] == [400, 40]


def test_bench_data_runs(toy_data, capsys):
    """The data benchmark (scripts/bench_data.py) stays runnable; its figures live in docs/benchmarks.md."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_data", Path(__file__).resolve().parents[1] / "scripts/bench_data.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    bench.main(["--data_root", str(toy_data), "--samples", "64", "--repeats", "1", "--resume_at", "96"])
    lines = capsys.readouterr().out.splitlines()
    assert lines[2].split()[-1] == "1.000" and any(line.startswith("loader, 2 workers") for line in lines)
    assert lines[-1].startswith("first batch after 96 consumed samples: replaying")


def test_the_toy_evaluation_lets_every_answer_finish(toy_tokenizer):
    """The toy evaluation's token budgets (16 for questions, 24 for safety requests) hold every answer it expects:
    the refusal is 14 tokens, and with 12 the safety task could never see one."""
    from omni.data.toyworld.alignment import REFUSAL
    from omni.data.toyworld.detail import COUNT_WORDS
    from omni.data.toyworld.multi import CHANGE_ANSWERS, ORDINALS
    from omni.data.toyworld.world import COLORS, POSITIONS, SHAPES, SIZES, where

    def length(text):
        return len(toy_tokenizer(text, add_special_tokens=False).input_ids) + 1  # and the end of the answer

    answers = [*COLORS, *SHAPES, *SIZES, *map(where, POSITIONS), *CHANGE_ANSWERS.values(), *ORDINALS,
               *COUNT_WORDS.values(), "yes", "no"]
    assert max(map(length, answers)) <= 16 and length(REFUSAL) <= 24
