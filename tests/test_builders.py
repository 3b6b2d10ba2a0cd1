"""Sequence layouts for every sample type, the label policy, truncation that never splits a block, typed readers."""

from __future__ import annotations

import pytest
import torch

from omni.constants import DREAM, DREAM_END, DREAM_START, IGNORE_INDEX, IM_END, IM_PATCH, IM_START
from omni.data.builders import MultimodalTransform, SequenceBuilder
from omni.data.constants import DataManager
from omni.data.datasets import TypedWebDataset
from omni.data.toyworld import render, sample_scene

N_IMAGE, N_QUERY = 4, 3


@pytest.fixture()
def builder(toy_tokenizer):
    ids = {t: toy_tokenizer.convert_tokens_to_ids(t) for t in (IM_START, IM_PATCH, IM_END, DREAM, DREAM_START, DREAM_END)}
    return SequenceBuilder(toy_tokenizer, ids, N_IMAGE, N_QUERY, model_max_length=512)


def tokens(builder, seq):
    inverse = {v: k for k, v in builder.ids.items()}
    return [inverse.get(t, "T") for t in seq.input_ids]


def blocks_are_whole(builder, seq) -> bool:
    """Every image block holds exactly N_IMAGE patches and every dream block N_QUERY queries, one block per image."""
    code = {IM_START: "[", IM_END: "]", DREAM_START: "{", DREAM_END: "}", IM_PATCH: "p"}
    text = "".join(code.get(name, "t") for name in tokens(builder, seq))
    images = text.count("[" + "p" * N_IMAGE + "]")
    dreams = text.count("{" + "p" * N_QUERY + "}")
    return images == text.count("[") == text.count("]") == len(seq.input_images) and \
        dreams == text.count("{") == text.count("}") == len(seq.dream_images) and text.count("p") == images * N_IMAGE + dreams * N_QUERY


def test_interleaved_document_layout_and_labels(builder):
    texts = ["There is a small red circle at the top.", "The circle moves to the left.", "Then the circle turns blue."]
    seq = builder.interleaved(texts, ["img0", "img1"], [0, 2])
    names = tokens(builder, seq)
    # each image: a learned <dream> <dream_start>, queries, <dream_end>, then the image block, right after its sentence
    first_dream = names.index(DREAM)
    assert names[first_dream:first_dream + 2] == [DREAM, DREAM_START]
    assert names[first_dream + 2 + N_QUERY] == DREAM_END and names[first_dream + 3 + N_QUERY] == IM_START
    assert seq.dream_images == ["img0", "img1"] and seq.input_images == ["img0", "img1"]
    learned = {n for n, label in zip(names, seq.labels) if label != IGNORE_INDEX}
    assert {DREAM, DREAM_START, "T"} <= learned and not learned & {IM_START, IM_PATCH, IM_END, DREAM_END}
    assert seq.input_ids[-1] == builder.tokenizer.eos_token_id and seq.labels[-1] != IGNORE_INDEX


@pytest.mark.parametrize("max_length", [20, 25, 30, 40, 60])
def test_truncation_never_splits_a_block_or_drops_earlier_content(builder, max_length):
    builder.model_max_length = max_length
    texts = ["There is a small red circle at the top.", "The circle moves to the left.", "Then the circle turns blue."]
    full = SequenceBuilder(builder.tokenizer, builder.ids, N_IMAGE, N_QUERY, 10_000).interleaved(texts, ["a", "b", "c"], [0, 1, 2])
    seq = builder.interleaved(texts, ["a", "b", "c"], [0, 1, 2])
    assert len(seq) <= max_length and blocks_are_whole(builder, seq)
    assert seq.input_ids[:-1] == full.input_ids[: len(seq) - 1]  # a prefix of the whole document, then </s>
    assert seq.input_ids[-1] == builder.tokenizer.eos_token_id


def test_conversation_masks_user_turns(builder):
    turns = [{"from": "human", "value": "<image>\nWhat color is the shape?"}, {"from": "gpt", "value": "red"},
             {"from": "human", "value": "Draw a small blue square at the top."}, {"from": "gpt", "value": "<dream>"}]
    seq = builder.conversation(turns, ["seen", "drawn"])
    learned_text = builder.tokenizer.decode([t for t, label in zip(seq.input_ids, seq.labels) if label != IGNORE_INDEX])
    assert "red" in learned_text and "color" not in learned_text and "USER" not in learned_text
    assert seq.input_images == ["seen", "drawn"] and seq.dream_images == ["drawn"]
    assert seq.input_ids.count(builder.tokenizer.eos_token_id) == 2  # one </s> closes each answer


def test_vicuna_template_matches_one_tokenisation_of_the_whole_chat(builder):
    """The builder's pieces give exactly the ids of the Vicuna v1.1 text tokenised at once (the toy LLM's corpus)."""
    turns = [{"from": "human", "value": "What color is the shape?"}, {"from": "gpt", "value": "red"},
             {"from": "human", "value": "What shape is it?"}, {"from": "gpt", "value": "circle"}]
    text = ("A chat between a user and an assistant. USER: What color is the shape? ASSISTANT: red</s> USER: "
            "What shape is it? ASSISTANT: circle</s>")
    tokenizer = builder.tokenizer
    assert builder.conversation(turns).input_ids == [tokenizer.bos_token_id] + tokenizer(text, add_special_tokens=False).input_ids
    prompt = builder.chat_prompt("What color is the shape?").input_ids
    assert prompt == [tokenizer.bos_token_id] + tokenizer(text.split(" red")[0], add_special_tokens=False).input_ids


def test_llama2_template(builder):
    from omni.data.builders import SequenceBuilder

    llama2 = SequenceBuilder(builder.tokenizer, builder.ids, N_IMAGE, N_QUERY, 512, template="llama_2")
    turns = [{"from": "human", "value": "<image>\nWhat color is the shape?"}, {"from": "gpt", "value": "red"},
             {"from": "human", "value": "What shape is it?"}, {"from": "gpt", "value": "circle"}]
    seq = llama2.conversation(turns, ["seen"])
    tokenizer = builder.tokenizer
    assert seq.input_ids.count(tokenizer.bos_token_id) == 2 and seq.input_ids.count(tokenizer.eos_token_id) == 2
    second = seq.input_ids.index(tokenizer.bos_token_id, 1)
    assert seq.input_ids[second - 1] == tokenizer.eos_token_id  # `a1</s><s>[INST] q2`
    learned = [t for t, label in zip(seq.input_ids, seq.labels) if label != IGNORE_INDEX]
    assert tokenizer.decode(learned, skip_special_tokens=True).split() == ["red", "circle"]

    def at(piece: str) -> int:  # where the ids of `piece` start in the first turn
        ids = llama2.text_ids(piece)
        return next(i for i in range(second) if seq.input_ids[i:i + len(ids)] == ids)

    system = "[INST] <<SYS>>\nYou are a helpful assistant.\n<</SYS>>\n\n"
    assert at(system) == 1 and at(system) < at(" What color is the shape?") < at(" [/INST]") < at("red")
    with pytest.raises(ValueError, match="unknown conversation template"):
        SequenceBuilder(builder.tokenizer, builder.ids, N_IMAGE, N_QUERY, 512, template="chatml")


def test_conversation_with_a_document_answer(builder):
    document = {"text_list": ["There is a large red square at the top.", "Then the square turns green."],
                "images": ["d0", "d1"], "matched_text_index": [0, 1]}
    turns = [{"from": "human", "value": "Tell a short story about a large red square at the top, with pictures."},
             {"from": "gpt", "value": "<document>"}]
    seq = builder.conversation(turns, documents=[document])
    assert seq.dream_images == ["d0", "d1"] and seq.input_ids.count(builder.tokenizer.eos_token_id) == 1


def test_typed_readers_on_the_toy_world(toy_data, tiny_model, toy_tokenizer):
    config = tiny_model.config
    builder = SequenceBuilder(toy_tokenizer, config.special_token_ids, tiny_model.vision_encoder.num_tokens,
                              tiny_model.dream_queries.num_queries, 512)
    transform = MultimodalTransform(builder, "mixed", tiny_model.vision_encoder.preprocess, tiny_model.diffusion_head.preprocess)
    for name, expect in (("toyworld_vqa", ("pixel_values",)), ("toyworld_instructions", ("pixel_values", "dream_pixel_values")),
                         ("toyworld_interleaved", ("pixel_values", "dream_pixel_values")),
                         ("toyworld_story_instructions", ("pixel_values", "dream_pixel_values"))):
        info = DataManager.get(name)
        dataset = TypedWebDataset(info.shard_urls(toy_data), info.dataset_type, transform, shuffle_buffer=1, epochs=1, name=name)
        sample = next(iter(dataset))
        assert all(key in sample for key in expect), (name, sorted(sample))
        assert dataset.skipped.count == 0
        # every image slot has its pixels, every dream slot its target
        slots = tiny_model.slot_masks(sample["input_ids"][None])
        image_mask, dream_mask = slots["encoder"], slots["queries"]
        assert int(image_mask.sum()) == len(sample["pixel_values"]) * tiny_model.vision_encoder.num_tokens
        assert int(dream_mask.sum()) == len(sample.get("dream_pixel_values", [])) * tiny_model.dream_queries.num_queries
        if name == "toyworld_story_instructions":  # the request is a user turn: not learnt; the story is
            text = toy_tokenizer.decode(sample["input_ids"])
            learnt = toy_tokenizer.decode(sample["labels"][sample["labels"] >= 0])
            assert "USER: Tell" in text and "Tell" not in learnt and len(learnt) > 40


def test_mixture_is_deterministic_and_weighted(toy_data):
    def kinds(seed):
        mixture = DataManager.build(["toyworld_pairs", "toyworld_interleaved"], [3, 1], toy_data, seed=seed, shuffle_buffer=1)
        stream = iter(mixture)
        return [(s["kind"], s["key"]) for s in (next(stream) for _ in range(80))]

    a = kinds(0)
    assert a == kinds(0) and a != kinds(1)
    share = sum(kind == "pair" for kind, _ in a) / len(a)
    assert 0.6 < share < 0.9


def test_mixture_batches_by_source_keep_the_shares(toy_data):
    mixture = DataManager.build(["toyworld_pairs", "toyworld_interleaved"], [3, 1], toy_data, seed=0, shuffle_buffer=1,
                                group_size=4)
    stream = iter(mixture)
    kinds = [next(stream)["kind"] for _ in range(400)]
    batches = [set(kinds[i:i + 4]) for i in range(0, len(kinds), 4)]
    assert all(len(batch) == 1 for batch in batches)  # each batch from one dataset
    assert 0.6 < kinds.count("pair") / len(kinds) < 0.9


def red_circle_pair() -> dict:
    return {"kind": "pair", "image": render(sample_scene(0, 1)), "text": "a small red circle at the top", "key": "k"}


def test_pair_sample_images_follow_the_mode(builder, tiny_model):
    pair = red_circle_pair()
    sample = MultimodalTransform(builder, "creation", head_preprocess=tiny_model.diffusion_head.preprocess)(pair)
    assert "pixel_values" not in sample and sample["dream_pixel_values"].shape == (1, 3, 64, 64)
    assert torch.equal(sample["labels"][-1:], torch.tensor([builder.tokenizer.eos_token_id]))


def test_a_creation_pair_learns_its_caption_unless_told_not_to(builder, tiny_model):
    """DreamLLM learns all text; without the caption loss only `<dream>`, its start and `</s>` are learnt, and the
    inputs are the same (the caption is still the image's condition)."""
    pair = red_circle_pair()
    caption_ids = builder.text_ids(pair["text"])
    samples = {flag: MultimodalTransform(builder, "creation", head_preprocess=tiny_model.diffusion_head.preprocess,
                                         creation_caption_loss=flag)(pair) for flag in (True, False)}
    assert torch.equal(samples[True]["input_ids"], samples[False]["input_ids"])
    with_caption = [t for t in samples[True]["labels"].tolist() if t != IGNORE_INDEX]
    without = [t for t in samples[False]["labels"].tolist() if t != IGNORE_INDEX]
    assert with_caption[:len(caption_ids)] == caption_ids
    assert without == [builder.ids[DREAM], builder.ids[DREAM_START], builder.tokenizer.eos_token_id]


def test_mm1_mixture_with_text_only_documents(toy_data, builder):
    """MM1's 45:45:10 caption:interleaved:text mixture as weights, and the same proportions given as sizes."""
    names = ["toyworld_pairs", "toyworld_interleaved", "toyworld_text"]
    for kwargs in ({"weights": [45, 45, 10]}, {"sizes": ["4.5K", "4.5K", "1K"]}):
        stream = iter(DataManager.build(names, data_root=toy_data, seed=0, shuffle_buffer=1, **kwargs))
        kinds = [next(stream)["kind"] for _ in range(600)]
        assert abs(kinds.count("text") / 600 - 0.10) < 0.04 and abs(kinds.count("pair") / 600 - 0.45) < 0.07
    text = next(s for s in (next(stream) for _ in range(50)) if s["kind"] == "text")
    sample = MultimodalTransform(builder, "comprehension", vision_preprocess=lambda images: images)(text)
    assert sample["input_ids"][0] == builder.tokenizer.bos_token_id and "pixel_values" not in sample
    assert (sample["labels"][1:] == sample["input_ids"][1:]).all()  # a plain LM document: every token is learnt
    with pytest.raises(ValueError, match="not both"):
        DataManager.build(names, [1, 1, 1], toy_data, sizes=["1K", "1K", "1K"])


def test_collator_pads_stacks_images_and_caps_them():
    from omni.data.collator import DataCollator

    def sample(length: int, seen: int, created: int) -> dict:
        out = {"input_ids": torch.arange(1, length + 1), "labels": torch.arange(1, length + 1)}
        if seen:
            out["pixel_values"] = torch.zeros(seen, 3, 8, 8)
        if created:
            out["dream_pixel_values"] = torch.zeros(created, 3, 8, 8)
        return out

    samples = [sample(3, 1, 0), sample(5, 2, 2), sample(2, 1, 1)]
    batch = DataCollator(0)(samples)
    assert batch["input_ids"].shape == (3, 5) and batch["pixel_values"].shape[0] == 4 and batch["dream_pixel_values"].shape[0] == 3
    assert batch["labels"][0, 3:].eq(IGNORE_INDEX).all() and batch["attention_mask"].sum() == 10
    capped = DataCollator(0, max_images_per_batch=3)
    batch = capped(samples)  # the 4-image sample would exceed the cap; the next one fits
    assert batch["input_ids"].shape == (2, 3) and batch["pixel_values"].shape[0] == 2 and capped.dropped_samples == 1
    assert DataCollator(0, max_images_per_batch=1)([sample(4, 3, 0)])["pixel_values"].shape[0] == 3  # first always kept


def test_a_model_that_only_reads_images_sees_them_before_their_sentence(builder):
    """MM1-style interleaved pretraining: no dream blocks; each image is an input just before its matched sentence."""
    reader = SequenceBuilder(builder.tokenizer, builder.ids, N_IMAGE, 0, 512)
    texts = ["There is a small red circle at the top.", "The circle moves to the left.", "Then the circle turns blue."]
    seq = reader.interleaved(texts, ["img0", "img2"], [0, 2])
    names = tokens(builder, seq)
    assert DREAM not in names and DREAM_START not in names and seq.dream_images == []
    assert seq.input_images == ["img0", "img2"] and names[1] == IM_START  # right after <s>: before sentence 0
    second = [i for i, n in enumerate(names) if n == IM_START][1]
    before = builder.tokenizer.decode(seq.input_ids[:second])
    assert "moves to the left" in before and "turns blue" not in before  # before sentence 2, after sentence 1
    learned = {n for n, label in zip(names, seq.labels) if label != IGNORE_INDEX}
    assert learned == {"T"}  # text (and </s>) only
    with pytest.raises(ValueError, match="no image head"):
        reader.conversation([{"from": "human", "value": "Draw it."}, {"from": "gpt", "value": "<dream>"}], ["x"])


def test_a_text_only_model_reads_documents_as_text_and_refuses_images(builder):
    text_only = SequenceBuilder(builder.tokenizer, builder.ids, 0, 0, 512)
    seq = text_only.interleaved(["A red circle.", "It moves."], ["img"], [0])
    assert seq.input_images == [] and seq.dream_images == [] and set(tokens(builder, seq)) == {"T"}
    with pytest.raises(ValueError, match="no encoder"):
        text_only.comprehension("a caption", "Describe the image.", "img")


def test_a_creating_model_that_reads_nothing_draws_without_seeing(builder):
    drawer = SequenceBuilder(builder.tokenizer, builder.ids, 0, N_QUERY, 512)
    seq = drawer.interleaved(["A red circle.", "It moves."], ["a", "b"], [0, 1])
    assert seq.dream_images == ["a", "b"] and seq.input_images == [] and IM_START not in tokens(builder, seq)


def test_image_slots_may_depend_on_the_image(builder):
    """Any-resolution encoders: the builder asks how many slots each image takes."""
    varying = SequenceBuilder(builder.tokenizer, builder.ids, lambda image: len(image), 0, 512)
    seq = varying.conversation([{"from": "human", "value": "<image> and <image>"}, {"from": "gpt", "value": "two"}],
                               ["ab", "abcde"])
    assert tokens(builder, seq).count(IM_PATCH) == 2 + 5 and seq.input_images == ["ab", "abcde"]


def test_the_transform_follows_the_model(toy_tokenizer, builder):
    """A model with an encoder and no head: 'mixed' pairs are all comprehension; creation is refused."""
    from omni.data.builders import MultimodalTransform

    reader = SequenceBuilder(builder.tokenizer, builder.ids, N_IMAGE, 0, 512)
    transform = MultimodalTransform(reader, "mixed", vision_preprocess=lambda images: {"pixel_values": torch.zeros(len(images), 3, 8, 8)})
    pairs = [{"kind": "pair", "image": "img", "text": "a small red circle at the top", "key": str(i)} for i in range(20)]
    assert all("pixel_values" in s and "dream_pixel_values" not in s for s in map(transform, pairs))
    with pytest.raises(ValueError, match="needs an image head"):
        MultimodalTransform(reader, "creation", vision_preprocess=lambda images: images)
    with pytest.raises(ValueError, match="text-only model"):
        MultimodalTransform(SequenceBuilder(builder.tokenizer, builder.ids, 0, 0, 512), "mixed")
