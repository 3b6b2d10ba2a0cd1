"""The data layer's guarantees: resuming from saved positions sees exactly the uninterrupted stream (tars, JSON,
Hugging Face datasets, mixtures, loader workers); every kind of bad input is skipped and counted under its reason;
datasets register from files, by brace pattern and from local Hugging Face files."""

from __future__ import annotations

import io
import json
import logging
import tarfile
from pathlib import Path

import pytest
import torch
from torch.utils.data import DataLoader

from omni.data.collator import DataCollator
from omni.data.dataset_info import DatasetType, HFDatasetInfo, JsonDatasetInfo, WebDatasetInfo
from omni.data.datasets import DataPosition, HFDataset, JsonConversationDataset, TypedWebDataset
from omni.data.registry import DataRegistry
from omni.data.toyworld import render, sample_scene


def keys_and_positions(samples: list[dict]) -> dict:
    return {"keys": [s["key"] for s in samples], "data_position": samples[-1]["_position"]}


def run(dataset, batches: int, workers: int, start: DataPosition | None = None) -> tuple[list[list[str]], DataPosition]:
    """Take `batches` batches of 4 through a DataLoader, recording positions as the trainer does."""
    loader = DataLoader(dataset, batch_size=4, num_workers=workers, collate_fn=keys_and_positions)
    position = start or DataPosition(1, workers)
    iterator, taken = iter(loader), []
    for _ in range(batches):
        taken.append(position.observe(next(iterator))["keys"])
    return taken, position


def assert_resumes_exactly(make, total: int, cut: int, workers: int) -> None:
    straight, _ = run(make(), total, workers)
    first, position = run(make(), cut, workers)
    state = json.loads(json.dumps(position.state_dict()))  # it goes through the checkpoint's JSON
    resumed = make()
    resumed.load_state_dict(state)
    rest, _ = run(resumed, total - cut, workers, DataPosition(**state))
    assert first + rest == straight


def toy_pairs(toy_data: Path, **kwargs) -> TypedWebDataset:
    shards = sorted(str(p) for p in (toy_data / "toyworld").glob("pairs-train-*.tar"))
    return TypedWebDataset(shards, DatasetType.ImageTextPair, name="pairs", **kwargs)


@pytest.mark.parametrize("workers, cut", [(0, 37), (2, 53)])
def test_webdataset_stream_resumes_exactly_across_an_epoch(toy_data, workers, cut):
    # 400 pairs in 4 shards; 120 batches of 4 cross the first epoch, with a shuffle buffer and 0 or 2 workers
    assert_resumes_exactly(lambda: toy_pairs(toy_data, shuffle_buffer=50, seed=3), 120, cut, workers)


def test_resume_does_not_decode_or_transform_the_consumed_samples(toy_data):
    calls = []

    def transform(sample):
        calls.append(sample["key"])
        return sample

    taken, position = run(toy_pairs(toy_data, shuffle_buffer=20, transform=transform), 10, 0)
    calls.clear()
    resumed = toy_pairs(toy_data, shuffle_buffer=20, transform=transform)
    resumed.load_state_dict(position.state_dict())
    run(resumed, 1, 0)
    assert len(calls) == 4  # only the next batch, not the 40 samples before it


def test_mixture_resumes_mid_group_with_workers(toy_data):
    registry = DataRegistry("test")
    from omni.data.constants import DATASETS_INFO_TABLE

    registry.register(DATASETS_INFO_TABLE)

    def make():  # groups of 3 in batches of 4: positions fall inside groups
        return registry.build(["toyworld_pairs", "toyworld_vqa", "toyworld_instructions"], weights=[45, 45, 10],
                              data_root=toy_data, seed=1, shuffle_buffer=10, group_size=3)

    assert_resumes_exactly(make, 40, 13, 2)


def test_positions_of_another_world_size_or_worker_count_are_refused(toy_data):
    dataset = toy_pairs(toy_data)
    with pytest.raises(ValueError, match="2 processes"):
        dataset.load_state_dict({"world": 2, "workers": 1, "batches": 3, "positions": {"0": None}})
    dataset.load_state_dict({"world": 1, "workers": 2, "batches": 3, "positions": {"0": None}})
    with pytest.raises(ValueError, match="2 loader workers"):
        next(iter(dataset))


def test_collator_hands_the_position_of_the_last_sample_on():
    samples = [{"input_ids": torch.ones(3, dtype=torch.long), "labels": torch.ones(3, dtype=torch.long),
                "_position": {"worker": 0, "state": {"epoch": 0, "raw": i}}} for i in (1, 2)]
    batch = DataCollator(pad_token_id=0)(samples)
    assert batch["data_position"] == {"worker": 0, "state": {"epoch": 0, "raw": 2}}


# ---- bad input: one case each, skipped and counted under its reason ----------------------------------------------
def png(seed: int = 0) -> bytes:
    buffer = io.BytesIO()
    render(sample_scene(seed, 0)).save(buffer, format="PNG")
    return buffer.getvalue()


def write_tar(path: Path, members: dict[str, bytes]) -> str:
    with tarfile.open(path, "w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return str(path)


GOOD_PAIRS = {"g1.png": png(1), "g1.txt": b"good one", "g2.png": png(2), "g2.txt": b"good two"}
DOC = {"text_list": ["A story.", "It ends."], "image_info": [{"image_name": "0.png", "matched_text_index": 0}]}
CASES = {
    "undecodable image": (DatasetType.ImageTextPair, {"bad.png": b"not an image", "bad.txt": b"caption"}),
    "missing caption": (DatasetType.ImageTextPair, {"bad.png": png()}),
    "malformed JSON": (DatasetType.InterleavedImageText, {"bad.json": b"{not json", "bad.0.png": png()}),
    "image listed but absent": (DatasetType.InterleavedImageText,
                                {"bad.json": json.dumps({**DOC, "image_info": [{"image_name": "1.png",
                                                                                "matched_text_index": 0}]}).encode(),
                                 "bad.0.png": png()}),
}
REASONS = {"undecodable image": "undecodable image", "missing caption": "no caption", "malformed JSON": "malformed JSON",
           "image listed but absent": "image absent"}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_bad_sample_is_skipped_and_counted(tmp_path, case, caplog):
    dataset_type, bad = CASES[case]
    good = GOOD_PAIRS if dataset_type == DatasetType.ImageTextPair else {
        f"g{i}.{name}": data for i in (1, 2) for name, data in (("json", json.dumps(DOC).encode()), ("0.png", png(i)))}
    shard = write_tar(tmp_path / "shard.tar", {**dict(list(good.items())[:2]), **bad, **dict(list(good.items())[2:])})
    dataset = TypedWebDataset([shard], dataset_type, shuffle_buffer=1, epochs=1, name="broken")
    with caplog.at_level(logging.WARNING):
        keys = [s["key"] for s in dataset]
    assert keys == ["g1", "g2"]
    assert dict(dataset.skipped.reasons) == {REASONS[case]: 1}
    assert "epoch 0 gave 2 samples and skipped 1" in caplog.text  # the epoch's summary


def test_a_conversation_ending_with_the_user_is_skipped_as_nothing_to_learn(tmp_path):
    answered = [{"from": "human", "value": "<image>\nQ"}, {"from": "gpt", "value": "A"}]
    unanswered = answered + [{"from": "human", "value": "and then?"}]
    members = {"good.png": png(1), "good.json": json.dumps({"conversations": answered}).encode(),
               "open.png": png(2), "open.json": json.dumps({"conversations": unanswered}).encode()}
    dataset = TypedWebDataset([write_tar(tmp_path / "chats.tar", members)], DatasetType.Conversation, shuffle_buffer=1,
                              epochs=1, name="chats")
    assert [s["key"] for s in dataset] == ["good"] and dict(dataset.skipped.reasons) == {"nothing to learn": 1}


def test_a_truncated_tar_keeps_what_it_can_and_the_run_goes_on(tmp_path):
    members = {f"s{i}.{ext}": data for i in range(6) for ext, data in (("png", png(i)), ("txt", b"caption"))}
    whole = Path(write_tar(tmp_path / "whole.tar", members))
    with tarfile.open(whole) as tar:  # cut in the middle of the fourth image
        member = tar.getmember("s3.png")
        cut = member.offset_data + member.size // 2
    (tmp_path / "cut.tar").write_bytes(whole.read_bytes()[:cut])
    good = write_tar(tmp_path / "good.tar", GOOD_PAIRS)
    dataset = TypedWebDataset([str(tmp_path / "cut.tar"), good], shuffle_buffer=1, epochs=1, name="cut", seed=0)
    keys = [s["key"] for s in dataset]
    assert {"s0", "s1", "s2", "g1", "g2"} == set(keys)
    assert dataset.skipped.count >= 1 and "truncated or corrupt tar" in dataset.skipped.reasons


def test_json_entries_skipped_under_their_reasons(tmp_path):
    images = tmp_path / "images"
    images.mkdir()
    (images / "a.png").write_bytes(png())
    (images / "broken.png").write_bytes(b"nope")
    turns = [{"from": "human", "value": "<image>\nQ"}, {"from": "gpt", "value": "A"}]
    entries = [{"id": "good", "image": "a.png", "conversations": turns},
               {"id": "absent", "image": "gone.png", "conversations": turns},
               {"id": "broken", "image": "broken.png", "conversations": turns},
               {"id": "no-turns", "image": "a.png"}, 7]
    (tmp_path / "data.json").write_text(json.dumps(entries))
    info = JsonDatasetInfo("j", "", DatasetType.Conversation, "5", "data.json", "images")
    dataset = JsonConversationDataset(info, tmp_path, epochs=1)
    assert [s["key"] for s in dataset] == ["good"]
    assert dict(dataset.skipped.reasons) == {"image absent": 1, "undecodable image": 1, "malformed conversation": 1,
                                             "malformed entry": 1}


# ---- registration: files, brace patterns, Hugging Face datasets ----------------------------------------------------
def test_registry_file_brace_pattern_and_txt_list(toy_data, tmp_path, capsys):
    shards = sorted(p.name for p in (toy_data / "toyworld").glob("pairs-train-*.tar"))
    (toy_data / "toyworld" / "pairs.txt").write_text("\n".join(shards) + "\n")
    last = len(shards) - 1
    registry_file = tmp_path / "datasets.yaml"
    registry_file.write_text(f"""datasets:
  - format: webdataset
    name: by_pattern
    dataset_type: ImageTextPair
    approx_size: 400
    shard_pattern: toyworld/pairs-train-{{000000..{last:06d}}}.tar
  - format: webdataset
    name: by_txt
    dataset_type: image_text_pair
    approx_size: 400
    shard_list_path: toyworld/pairs.txt
""")
    registry = DataRegistry("test")
    assert registry.register_file(registry_file) == ["by_pattern", "by_txt"]
    pattern, listed = registry.get("by_pattern"), registry.get("by_txt")
    assert pattern.shard_urls(toy_data) == listed.shard_urls(toy_data) and len(listed.shard_urls(toy_data)) == len(shards)
    assert pattern.is_present(toy_data) and not pattern.is_present(tmp_path)
    assert next(iter(registry.build(["by_pattern"], data_root=toy_data)))["kind"] == "pair"

    registry_file.write_text("- {format: webdataset, name: x, dataset_type: text_only, approx_size: 1, shard_pattren: a}\n")
    with pytest.raises(ValueError, match="shard_pattren \\(did you mean shard_pattern\\?\\)"):
        registry.register_file(registry_file)
    with pytest.raises(FileNotFoundError):
        registry.register_file(tmp_path / "nowhere.yaml")

    from omni.data.__main__ import main

    (tmp_path / "more.json").write_text(json.dumps([{"format": "json", "name": "my_llava", "dataset_type": "conversation",
                                                     "approx_size": "665K", "annotation_path": "llava.json"}]))
    main(["list", "--registry", str(tmp_path / "more.json"), "--data_root", str(toy_data)])
    assert "my_llava" in capsys.readouterr().out


@pytest.fixture()
def hf_root(tmp_path):
    import datasets

    root = tmp_path / "hf"
    pairs = datasets.Dataset.from_dict(
        {"img": [render(sample_scene(i, 0)) for i in range(6)], "caption": [f"caption {i}" for i in range(5)] + [""]},
        features=datasets.Features({"img": datasets.Image(), "caption": datasets.Value("string")}))
    pairs.save_to_disk(str(root / "pairs"))
    images = [[None, render(sample_scene(0, 0)), None], [render(sample_scene(1, 0)), None, None]]
    docs = datasets.Dataset.from_dict(
        {"texts": [["First.", None, "Second."], [None, "Only text.", "More."]], "images": images},
        features=datasets.Features({"texts": datasets.Sequence(datasets.Value("string")),
                                    "images": datasets.Sequence(datasets.Image())}))
    docs.to_parquet(str(root / "docs-0.parquet"))
    return tmp_path


def test_hugging_face_datasets_from_local_files(hf_root):
    pairs = HFDatasetInfo("hf_pairs", "", DatasetType.ImageTextPair, "6", "hf/pairs",
                          columns={"image": "img", "text": "caption"})
    dataset = HFDataset(pairs, hf_root, epochs=1)
    samples = list(dataset)
    assert sorted(s["text"] for s in samples) == [f"caption {i}" for i in range(5)]
    assert samples[0]["image"].size == (64, 64) and dict(dataset.skipped.reasons) == {"no caption": 1}

    docs = HFDatasetInfo("hf_docs", "", DatasetType.InterleavedImageText, "2", "hf/docs-*.parquet")
    by_text = {s["text_list"][0]: s for s in HFDataset(docs, hf_root, epochs=1)}
    assert by_text["First."]["matched_text_index"] == [0] and by_text["First."]["text_list"] == ["First.", "Second."]
    assert by_text["Only text."]["matched_text_index"] == [0] and len(by_text["Only text."]["images"]) == 1

    with pytest.raises(ValueError, match="columns \\['text'\\] not found"):
        HFDataset(HFDatasetInfo("x", "", DatasetType.ImageTextPair, "6", "hf/pairs", columns={"image": "img"}), hf_root)
    with pytest.raises(FileNotFoundError, match="neither a save_to_disk folder"):
        HFDataset(HFDatasetInfo("x", "", DatasetType.ImageTextPair, "6", "hf/none"), hf_root)


def test_hugging_face_dataset_resumes_exactly(hf_root):
    info = HFDatasetInfo("hf_pairs", "", DatasetType.ImageTextPair, "6", "hf/pairs", columns={"image": "img", "text": "caption"})
    assert_resumes_exactly(lambda: HFDataset(info, hf_root, seed=2), 6, 4, 0)


def test_registry_builds_hugging_face_and_json_infos(hf_root):
    registry = DataRegistry("test")
    registry.register(HFDatasetInfo("hf_pairs", "", "image_text_pair", "6", "hf/pairs", columns={"image": "img", "text": "caption"}))
    assert isinstance(registry.build(["hf_pairs"], data_root=hf_root), HFDataset)
    assert "hf_pairs" in registry.table(hf_root) and "yes" in registry.table(hf_root)
    with pytest.raises(ValueError, match="give either shard_list_path or shard_pattern"):
        WebDatasetInfo("w", "", "text_only", "1")
    with pytest.raises(ValueError, match="unknown dataset type"):
        HFDatasetInfo("h", "", "pictures", "1", "x")


def test_ranks_and_workers_see_each_sample_once_per_epoch(toy_data, tmp_path):
    from omni.data.datasets.stream import Slot

    slots = [Slot(rank, 2, worker, 2) for rank in range(2) for worker in range(2)]
    pairs = toy_pairs(toy_data, shuffle_buffer=30, epochs=1)
    seen = [[s["key"] for s in pairs._iterate(slot, None)] for slot in slots]
    assert sum(map(len, seen)) == len(set().union(*seen)) == 400

    (tmp_path / "d.json").write_text(json.dumps([{"id": str(i), "conversations": [{"from": "human", "value": "q"},
                                                                                 {"from": "gpt", "value": "a"}]}
                                                 for i in range(10)]))
    info = JsonDatasetInfo("j", "", DatasetType.Conversation, "10", "d.json")
    entries = JsonConversationDataset(info, tmp_path, epochs=1)
    seen = [[s["key"] for s in entries._iterate(slot, None)] for slot in slots]
    assert sorted(sum(seen, [])) == sorted(str(i) for i in range(10))
