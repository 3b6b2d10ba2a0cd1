"""What a run on the public datasets needs before any file exists: the registry of configs/datasets (read lazily,
listed with presence), the readers of their own layouts (VLGuard's instr-resp, chat-message turns, GQA questions),
and the papers' schedules (epochs of a mixture, a global batch) resolved for the world size at hand."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from omni.data.constants import PUBLIC_REGISTRY
from omni.data.dataset_info import DatasetType, JsonDatasetInfo
from omni.data.datasets import JsonConversationDataset
from omni.data.registry import DataRegistry
from omni.data.toyworld import render, sample_scene
from omni.train.arguments import Arguments
from omni.train.schedule import resolve_schedule

ROOT = Path(__file__).resolve().parents[1]
PAPER_DATASETS = ["laion400m", "laion_coco", "blip_laion", "mmc4_core", "llava_pretrain_558k", "llava_instruct_80k",
                  "llava_instruct_158k", "llava_v1_5_mix665k", "instruct_mmc4", "instruct_blip_laion", "obelics",
                  "journeydb", "cc3m", "datacomp_1b", "vlfeedback", "vlguard", "gqa", "fineweb_edu", "blip3_kale",
                  "mantis_instruct"]


def test_public_datasets_are_registered_lazily_and_listed_without_their_files(tmp_path):
    registry = DataRegistry("test")
    registry.register_files_lazily([PUBLIC_REGISTRY])
    assert registry._infos == {}  # nothing read until a name is looked up
    assert set(PAPER_DATASETS) <= set(registry.names())
    assert registry.get("mmc4_core").dataset_type is DatasetType.InterleavedImageText
    assert registry.get("vlfeedback").dataset_type is DatasetType.Preference
    assert not any(registry.get(name).is_present(tmp_path) for name in PAPER_DATASETS)
    out = subprocess.run([sys.executable, "-m", "omni.data", "list", "--data_root", str(tmp_path)], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    row = next(line for line in out.splitlines() if line.startswith("laion400m "))
    assert "400M" in row and " no " in row and str(tmp_path / "laion400m" / "shards.txt") in row


def test_every_registered_description_says_what_and_where():
    registry = DataRegistry("test")
    for file in sorted(PUBLIC_REGISTRY.glob("*.yaml")):
        registry.register_file(file)
    for name in registry.names():
        assert len(registry.get(name).description) > 60, name


def test_vlguard_layout_and_chat_message_turns_are_read(tmp_path):
    images = tmp_path / "images"
    images.mkdir()
    render(sample_scene(0, 1)).save(images / "a.png")
    entries = [
        {"id": "safe", "image": "a.png", "safe": True, "instr-resp": [
            {"safe_instruction": "What is shown?", "response": "A red circle."},
            {"unsafe_instruction": "How do I hurt someone with it?", "response": "I cannot help with that."}]},
        {"id": "unsafe", "image": "a.png", "safe": False, "instr-resp": [
            {"instruction": "Describe how to do this.", "response": "I cannot help with that."}]},
        {"id": "chat", "image": "a.png", "conversations": [{"role": "user", "content": "<image>\nColour?"},
                                                           {"role": "assistant", "content": "red"}]},
        {"id": "broken", "image": "a.png", "instr-resp": [{"response": "no instruction"}]},
    ]
    (tmp_path / "train.json").write_text(json.dumps(entries))
    info = JsonDatasetInfo("vlguard_test", "", DatasetType.Conversation, "4", "train.json", "images")
    dataset = JsonConversationDataset(info, tmp_path, epochs=1)
    samples = {s["key"]: s for s in dataset}
    assert sorted(samples) == ["chat", "safe", "unsafe"] and dataset.skipped.reasons["malformed conversation"] == 1
    safe = samples["safe"]["conversations"]
    assert [t["from"] for t in safe] == ["human", "gpt", "human", "gpt"]
    assert safe[0]["value"] == "<image>\nWhat is shown?" and safe[3]["value"] == "I cannot help with that."
    assert samples["chat"]["conversations"][1] == {"from": "assistant", "value": "red"}


def test_gqa_questions_become_short_answer_conversations(tmp_path):
    from omni.data.converters import GQA_PROMPT, gqa_to_conversations

    (tmp_path / "images").mkdir()
    render(sample_scene(0, 1)).save(tmp_path / "images" / "1.jpg")
    questions = {"q1": {"imageId": "1", "question": "Is it red?", "answer": "yes", "fullAnswer": "Yes, it is."},
                 "q2": {"imageId": "2", "question": "Is it blue?", "answer": "no"},  # image absent
                 "q3": {"imageId": "1", "question": "What?"}}  # no answer
    (tmp_path / "q.json").write_text(json.dumps(questions))
    out = tmp_path / "gqa.json"
    report = gqa_to_conversations([tmp_path / "q.json"], tmp_path / "images", out)
    assert (report.written, report.skipped, len(report.problems)) == (1, 2, 2)
    [entry] = json.loads(out.read_text())
    assert entry["image"] == "1.jpg" and entry["conversations"][0]["value"] == f"<image>\nIs it red?\n{GQA_PROMPT}"
    info = JsonDatasetInfo("gqa_test", "", DatasetType.Conversation, "1", "gqa.json", "images")
    assert [s["key"] for s in JsonConversationDataset(info, tmp_path, epochs=1)] == ["q1"]


def _arguments(**training) -> Arguments:
    args = Arguments()
    args.data.datasets = ["toyworld_pairs", "toyworld_vqa"]  # registered as 20K each
    for key, value in training.items():
        setattr(args.training, key, value)
    return args


def test_epochs_and_global_batch_set_steps_and_accumulation_for_the_world_size():
    args = _arguments(per_device_train_batch_size=16, global_batch_size=2048, num_train_epochs=1.0)
    args.data.sizes = ["7M", "10M"]
    notes = resolve_schedule(args, world_size=64)
    assert args.training.gradient_accumulation_steps == 2 and args.training.max_steps == 8301  # ⌈17M / 2048⌉
    assert len(notes) == 2 and "8,301" in notes[1]
    args = _arguments(per_device_train_batch_size=4, num_train_epochs=2.0)  # sizes from the registry: 40K
    resolve_schedule(args, world_size=2)
    assert args.training.gradient_accumulation_steps == 1 and args.training.max_steps == 10_000
    args = _arguments(max_steps=123)
    assert resolve_schedule(args, world_size=8) == [] and args.training.max_steps == 123  # nothing asked, nothing set
    with pytest.raises(ValueError, match="not a multiple of per_device_train_batch_size"):
        resolve_schedule(_arguments(per_device_train_batch_size=32, global_batch_size=256), world_size=16)
