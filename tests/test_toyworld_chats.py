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


def test_a_model_is_evaluated_on_chats_as_a_user_holds_them(tmp_path, tiny_zoo, tiny_model, toy_tokenizer):
    """The chat task keeps the model's own answer in the conversation, then asks it to draw (a random tiny model's
    figures are only checked for range: what the task measures is in docs/toyworld.md once trained on chats)."""
    from omni.data.toyworld.generate import generate
    from omni.eval.toyworld import ToyEvaluator

    generate(tmp_path / "toyworld", num=4, seed=0, num_test=8, progress=False, kinds=("pairs", "chats"))
    tiny_model.save_pretrained(tmp_path / "model")
    toy_tokenizer.save_pretrained(tmp_path / "model")
    evaluator = ToyEvaluator(tiny_zoo[0], tmp_path, num=4, num_stories=2, steps=2, batch_size=4)
    result = evaluator.evaluate_model(tmp_path / "model", tasks=("chats",))
    assert 0 <= result["chat_answer_accuracy"] <= 1 and 0 <= result["chat_draws"] <= 1
    if result["chat_draws"]:  # what is drawn, judged against the request and against the attached picture
        assert {"chat_creation_all", "chat_like_attached_all", "chat_like_attached_color"} <= set(result)
    assert len(result["chat_examples"]) == 2 and "caption_all" not in result
