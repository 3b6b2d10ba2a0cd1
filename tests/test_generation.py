"""Inference on a tiny model: text decoding, image creation with guidance, and the shared null condition."""

from __future__ import annotations

import numpy as np
import torch

from omni.data.builders import MultimodalTransform
from omni.data.toyworld import render, sample_scene
from omni.models.dreamllm.generation import DreamLLMGenerator


def test_describe_returns_text(tiny_model, toy_tokenizer):
    text = DreamLLMGenerator(tiny_model, toy_tokenizer).describe(render(sample_scene(0, 1)), "Describe the image.", 6)
    assert isinstance(text, str)


def test_kv_cache_and_full_recompute_agree(tiny_model, toy_tokenizer):
    """Greedy tokens from `generate` (KV cache) equal an argmax over a full forward of the growing sequence."""
    generator = DreamLLMGenerator(tiny_model, toy_tokenizer)
    image = render(sample_scene(0, 2))
    seq = generator.builder.comprehension_prompt("Describe the image.")
    pixel_values = tiny_model.vision_encoder.preprocess([image])["pixel_values"]
    ids = torch.tensor([seq.input_ids])
    cached = tiny_model.llm.generate(inputs_embeds=tiny_model.embed_inputs(ids, pixel_values), attention_mask=torch.ones_like(ids),
                                     max_new_tokens=5, do_sample=False, eos_token_id=None, pad_token_id=0)[0].tolist()
    manual = []
    with torch.no_grad():
        for _ in range(5):
            full = torch.cat([ids, torch.tensor([manual], dtype=torch.long)], dim=1) if manual else ids
            logits = tiny_model(input_ids=full, pixel_values=pixel_values).logits
            manual.append(int(logits[0, -1].argmax()))
    assert cached == manual


def test_same_seed_same_image(tiny_model, toy_tokenizer):
    generator = DreamLLMGenerator(tiny_model, toy_tokenizer)
    a, b = (generator.create(["a small red circle at the top"], num_inference_steps=3, seed=7)[0] for _ in range(2))
    c = generator.create(["a small red circle at the top"], num_inference_steps=3, seed=8)[0]
    assert a.size == (64, 64) and np.array_equal(np.asarray(a), np.asarray(b)) and not np.array_equal(np.asarray(a), np.asarray(c))


def test_guidance_rescale_changes_the_image_only_when_set(tiny_model, toy_tokenizer):
    generator = DreamLLMGenerator(tiny_model, toy_tokenizer)
    prompt = ["a small red circle at the top"]
    plain, zero, rescaled = (np.asarray(generator.create(prompt, num_inference_steps=3, seed=7, **kwargs)[0])
                             for kwargs in ({}, {"guidance_rescale": 0.0}, {"guidance_rescale": 0.7}))
    assert np.array_equal(plain, zero) and not np.array_equal(plain, rescaled)


def test_null_condition_is_the_training_dropout_sequence(tiny_model, toy_tokenizer):
    """The unconditional branch at inference is built from exactly the sequence caption dropout trains on."""
    generator = DreamLLMGenerator(tiny_model, toy_tokenizer)
    dropped = MultimodalTransform(generator.builder, "creation", head_preprocess=tiny_model.diffusion_head.preprocess,
                                    drop_prob=1.0)({"image": render(sample_scene(0, 0)), "text": "a large green square", "key": "x"})
    inference_ids = generator.builder.creation_prompt("").input_ids
    assert dropped["input_ids"].tolist()[: len(inference_ids)] == inference_ids
    # and the condition computed at inference for "" is what the training forward feeds the head for that sequence
    with torch.no_grad():
        null = generator.dream_conditions([""])
        hidden = tiny_model(input_ids=dropped["input_ids"][None]).hidden_states
        mask = tiny_model.slot_masks(dropped["input_ids"][None])["queries"]
        trained = tiny_model.diffusion_head.condition(hidden[mask].reshape(1, -1, hidden.shape[-1]))
    assert torch.allclose(null, trained, atol=1e-6)


def test_schedulers_by_name(tiny_model, toy_tokenizer):
    generator = DreamLLMGenerator(tiny_model, toy_tokenizer)
    for name in ("ddim", "dpm++", "euler"):
        assert generator.create(["a large blue square"], num_inference_steps=2, scheduler=name)[0].size == (64, 64)


def test_batched_left_padded_decoding_matches_one_by_one(tiny_model, toy_tokenizer):
    generator = DreamLLMGenerator(tiny_model, toy_tokenizer)
    images = [render(sample_scene(0, i)) for i in range(3)]
    questions = ["What color is the shape?", "Is the shape small or large?", "Where is the shape?"]
    batched = generator.answer(images, questions, max_new_tokens=6)
    alone = [generator.answer([im], [q], max_new_tokens=6)[0] for im, q in zip(images, questions)]
    assert batched == alone


def test_conditions_see_earlier_images(tiny_model, toy_tokenizer):
    """A dream block's condition depends on the images before it (interleaved context), not only on its text."""
    generator = DreamLLMGenerator(tiny_model, toy_tokenizer)
    builder = generator.builder

    def seq(image):
        s = builder.start()
        builder.add_text(s, "There is a small red circle at the top.", learn=True)
        builder.add_image(s, image)
        builder.add_text(s, " The circle moves to the left.", learn=True)
        return builder.add_dream(s)

    a, b = generator.sequence_conditions([seq(render(sample_scene(0, 1))), seq(render(sample_scene(0, 2)))])
    assert not torch.allclose(a, b)
