"""The interleaved generation loop: `<dream>` inserts an image and decoding continues from the KV cache."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from PIL import Image

from omni.constants import DREAM
from omni.models.dreamllm.generation import DreamLLMGenerator


def force_dream_at(step: int, dream_id: int):
    """A logits processor that makes the `step`-th generated token a `<dream>` (counting from the prefix end)."""
    state = {"start": None}

    def processor(generated, logits):
        if state["start"] is None:
            state["start"] = len(generated)
        if len(generated) - state["start"] == step:
            logits = torch.full_like(logits, float("-inf"))
            logits[dream_id] = 0.0
        else:
            logits[dream_id] = float("-inf")
        return logits

    return processor


def never_stop(eos_id: int):
    def processor(generated, logits):
        logits[eos_id] = float("-inf")
        return logits

    return processor


def test_forced_dream_inserts_one_image_and_continues(tiny_model, toy_tokenizer, tmp_path):
    gen = DreamLLMGenerator(tiny_model, toy_tokenizer)
    prefix = gen.builder.start()
    gen.builder.add_text(prefix, "There is a small red circle at the top.", learn=False)
    dream_id = tiny_model.config.special_token_ids[DREAM]
    forced = force_dream_at(2, dream_id)
    no_eos = never_stop(toy_tokenizer.eos_token_id)
    document = gen.generate_document(prefix, max_new_tokens=6, max_images=3, num_inference_steps=2,
                                     logits_processor=lambda g, logit: no_eos(g, forced(g, logit)), prompt="a story")
    kinds = ["image" if not isinstance(p, str) else "text" for p in document.parts]
    assert kinds == ["text", "image", "text"] and document.images[0].size == (64, 64)
    page = document.save(tmp_path, "story")
    assert page.read_text().count("data:image/png;base64,") == 1 and (tmp_path / "story_0.png").exists()
    assert "![image](story_0.png)" in (tmp_path / "story.md").read_text()


def test_cached_decoding_equals_full_recompute_across_an_image(tiny_model, toy_tokenizer):
    """After the created image is fed back, each next token from the cache equals the argmax of a full forward of
    the whole sequence (text, dream block, the image's block with its features)."""
    gen = DreamLLMGenerator(tiny_model, toy_tokenizer)
    prefix = gen.builder.start()
    gen.builder.add_text(prefix, "There is a small red circle at the top.", learn=False)
    ids = tiny_model.config.special_token_ids
    forced = force_dream_at(1, ids[DREAM])
    no_eos = never_stop(toy_tokenizer.eos_token_id)
    trace = []

    def record(generated, logits):
        logits = no_eos(generated, forced(generated, logits))
        trace.append((list(generated), int(logits.argmax())))
        return logits

    document = gen.generate_document(prefix, max_new_tokens=5, max_images=1, num_inference_steps=2, logits_processor=record)
    image = document.images[0]
    banned = [ids[t] for t in ("<im_start>", "<im_patch>", "<im_end>", "<dream_start>", "<dream_end>")]
    checked = 0
    with torch.no_grad():
        for generated, token in trace:
            if ids["<dream_end>"] not in generated:
                continue  # only the steps after the image matter here
            full = torch.tensor([generated])
            logits = tiny_model(input_ids=full, **tiny_model.vision_encoder.preprocess([image])).logits[0, -1]
            logits[banned] = float("-inf")
            logits[ids[DREAM]] = float("-inf")
            logits[toy_tokenizer.eos_token_id] = float("-inf")
            assert int(logits.argmax()) == token
            checked += 1
    assert checked >= 3


def test_image_budget_bans_further_dreams(tiny_model, toy_tokenizer):
    gen = DreamLLMGenerator(tiny_model, toy_tokenizer)
    dream_id = tiny_model.config.special_token_ids[DREAM]

    def always_dream(generated, logits):
        logits = logits.clone()
        if logits[dream_id] != float("-inf"):
            logits[dream_id] = 1e9
        logits[toy_tokenizer.eos_token_id] = float("-inf")
        return logits

    document = gen.generate_document(gen.builder.start(), max_new_tokens=4, max_images=2, num_inference_steps=2,
                                     logits_processor=always_dream)
    assert len(document.images) == 2


def test_chat_session_keeps_the_conversation(tiny_model, toy_tokenizer, tmp_path):
    from omni.data.toyworld import render, sample_scene
    from projects.dreamllm.chat import ChatSession, run

    image_path = tmp_path / "in.png"
    render(sample_scene(0, 4)).save(image_path)
    session = ChatSession(DreamLLMGenerator(tiny_model, toy_tokenizer), tmp_path / "out", max_new_tokens=3,
                          num_inference_steps=2, max_images=1)
    lines = []
    run(session, [f"/image {image_path}", "What color is the shape?", "Draw a small red circle.", "/quit", "ignored"],
        lines.append)
    assert lines[0].startswith("(attached") and all(line.startswith(("assistant:", "[created image:")) for line in lines[1:])
    assert len(session.sequence.input_images) >= 1  # the attached image stays in the conversation
    assert session.sequence.input_ids.count(toy_tokenizer.eos_token_id) == 2  # one </s> per answer
    session.reset()
    assert session.sequence.input_images == []


def test_demo_turn_places_created_images_in_the_chat(tiny_model, toy_tokenizer, tmp_path):
    """The Gradio demo's turn logic (no gradio needed): the user's image and message, then the answer's text and the
    created image as messages in the order the model produced them."""
    from omni.data.toyworld import render, sample_scene
    from projects.dreamllm.chat import ChatSession
    from projects.dreamllm.demo import respond

    dream_id = tiny_model.config.special_token_ids[DREAM]
    forced, no_eos = force_dream_at(1, dream_id), never_stop(toy_tokenizer.eos_token_id)
    session = ChatSession(DreamLLMGenerator(tiny_model, toy_tokenizer), tmp_path, max_new_tokens=4, max_images=1,
                          num_inference_steps=2, logits_processor=lambda g, logit: no_eos(g, forced(g, logit)))
    history = respond(session, [], "Tell a story about this.", render(sample_scene(0, 2)))
    roles = [m["role"] for m in history]
    contents = [m["content"] for m in history]
    assert roles == ["user", "user", "assistant", "assistant", "assistant"]
    assert isinstance(contents[0], dict) and contents[1] == "Tell a story about this."
    assert isinstance(contents[2], str) and isinstance(contents[4], str)
    created = Path(contents[3]["path"])
    assert created.exists() and Image.open(created).size == (64, 64)


def test_demo_builds_its_gradio_app(tiny_model, toy_tokenizer, tmp_path):
    gr = pytest.importorskip("gradio")  # an optional extra: pip install -e ".[demo]"
    from projects.dreamllm.demo import build_demo

    demo = build_demo(DreamLLMGenerator(tiny_model, toy_tokenizer), tmp_path, num_inference_steps=2)
    assert isinstance(demo, gr.Blocks)
