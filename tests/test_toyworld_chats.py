"""The toy world's mixed chats (`--kinds chats`): a question about an attached picture, its answer, then a request to
draw another picture answered with it; read and built into a DreamLLM training sequence with the seen image in its
slots and the drawn one as the diffusion target."""

from __future__ import annotations

import json

from omni.data.builders import MultimodalTransform
from omni.data.dataset_info import DatasetType, WebDatasetInfo
from omni.data.datasets import TypedWebDataset


def test_a_chat_asks_then_draws_and_builds_into_one_sequence(tmp_path, tiny_model, toy_tokenizer):
    from omni.data.toyworld.generate import generate

    generate(tmp_path / "toyworld", num=8, seed=0, num_test=0, progress=False, kinds=("chats",))
    info = WebDatasetInfo("chats", "", DatasetType.Conversation, "2", shard_list_path="toyworld/chats-train.json")
    sample = next(iter(TypedWebDataset(info.shard_urls(tmp_path), DatasetType.Conversation, None, 0, 1, "chats")))
    turns = sample["conversations"]
    assert [t["from"] for t in turns] == ["human", "gpt", "human", "gpt"] and turns[0]["value"].startswith("<image>\n")
    assert turns[3]["value"] == "<dream>" and len(sample["images"]) == 2
    seen, drawn = sample["meta"]["scenes"]
    assert turns[1]["value"] in ("yes", "no") or turns[1]["value"] in json.dumps(seen)  # answered from the seen picture
    assert drawn["color"] in turns[2]["value"] and drawn["shape"] in turns[2]["value"]
    built = MultimodalTransform.for_model(tiny_model, toy_tokenizer, "mixed")(sample)
    assert built["pixel_values"].shape[0] == 2  # the attached picture, and the drawn one seen after it is created
    assert built["dream_pixel_values"].shape[0] == 1
    dream_start = tiny_model.config.special_token_ids["<dream_start>"]
    assert (built["labels"] == dream_start).sum() == 1  # the answer that draws is learnt
