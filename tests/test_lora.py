"""LoRA on the LLM: exact at start, trains only what it should, saves and reloads, merges into a plain model."""

from __future__ import annotations

import pytest
import torch

from omni.models.dreamllm import DreamLLMForCausalLM
from omni.models.lora import LORA_TRAINABLE, apply_lora, merge_lora
from omni.models.trainable import set_trainable
from tests.test_models import assert_same_outputs, make_batch


def _logits(model, batch):
    with torch.no_grad():
        return model(**{k: v for k, v in batch.items() if k != "dream_pixel_values"}, return_logits=True).logits


def _train(model, batch, steps=3):
    set_trainable(model, LORA_TRAINABLE)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-2)
    for _ in range(steps):
        optimizer.zero_grad()
        model(**batch).loss.backward()
        optimizer.step()


def test_lora_starts_exact_and_trains_only_adapters_and_projectors(tiny_model, toy_tokenizer):
    batch = make_batch(tiny_model, toy_tokenizer)
    before = _logits(tiny_model, batch)
    base = {n: p.detach().clone() for n, p in tiny_model.llm.named_parameters()}
    apply_lora(tiny_model, r=4, alpha=8)
    assert torch.equal(_logits(tiny_model, batch), before)  # lora_B starts at zero
    names = [n for n, _ in tiny_model.named_parameters()]
    assert any(".q_proj.lora_A." in n for n in names) and any(".down_proj.base_layer.weight" in n for n in names)
    _train(tiny_model, batch)
    trained = {n for n, p in tiny_model.named_parameters() if p.requires_grad}
    assert trained and all("lora_" in n or n.startswith(("plugins.vision_encoder.projector", "plugins.dream_queries",
                                                           "plugins.diffusion_head.condition_projector")) for n in trained)
    after = {n.replace(".base_layer", ""): p for n, p in tiny_model.llm.named_parameters() if "lora_" not in n}
    assert all(torch.equal(after[n], base[n]) for n in base)  # the LLM's own weights never move
    assert not torch.allclose(_logits(tiny_model, batch), before)
    with pytest.raises(ValueError, match="already has LoRA"):
        apply_lora(tiny_model)


def test_lora_model_reloads_and_merges_into_a_plain_model(tiny_model, toy_tokenizer, tmp_path):
    batch = make_batch(tiny_model, toy_tokenizer)
    apply_lora(tiny_model, r=4, alpha=8)
    _train(tiny_model, batch)
    tiny_model.save_pretrained(tmp_path / "lora")
    toy_tokenizer.save_pretrained(tmp_path / "lora")
    reloaded = DreamLLMForCausalLM.from_pretrained(tmp_path / "lora")
    assert reloaded.config.lora == tiny_model.config.lora
    assert_same_outputs(tiny_model.eval(), reloaded.eval(), toy_tokenizer)

    from omni.__main__ import main as omni_main

    omni_main(["merge_lora", "--model", str(tmp_path / "lora"), "--out", str(tmp_path / "merged")])
    merged = DreamLLMForCausalLM.from_pretrained(tmp_path / "merged").eval()
    assert merged.config.lora is None and not any("lora_" in n or "base_layer" in n for n, _ in merged.named_parameters())
    assert torch.allclose(_logits(merged, batch), _logits(tiny_model, batch), atol=1e-5)
    with pytest.raises(ValueError, match="no LoRA"):
        merge_lora(merged)
