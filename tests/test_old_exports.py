"""Exports made before the base-model refactor still load and compute what they computed then."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

FIXTURE = Path(__file__).parent / "fixtures" / "dreamllm_export_b03bf21"


def test_an_export_from_before_the_base_model_loads_and_computes_the_same():
    from omni.models.base import OmniForCausalLM
    from omni.models.dreamllm import DreamLLMForCausalLM

    model = DreamLLMForCausalLM.from_pretrained(FIXTURE).eval()
    assert isinstance(model, OmniForCausalLM)
    expected = load_file(FIXTURE / "expected.safetensors")
    torch.manual_seed(123)  # the head's timesteps and noise, drawn as when the fixture was made
    with torch.no_grad():
        output = model(input_ids=expected["input_ids"], attention_mask=torch.ones_like(expected["input_ids"]),
                       labels=expected["labels"], pixel_values=expected["pixel_values"],
                       dream_pixel_values=expected["dream_pixel_values"])
    torch.testing.assert_close(output.logits, expected["logits"], rtol=0, atol=1e-6)
    torch.testing.assert_close(output.lm_loss.reshape(1), expected["lm_loss"], rtol=0, atol=1e-6)
    torch.testing.assert_close(output.vm_loss.reshape(1), expected["vm_loss"], rtol=0, atol=1e-6)
    assert set(output.metrics) == {"lm_loss", "vm_loss"}


def test_the_base_model_takes_another_llm_family_and_no_head(toy_tokenizer):
    """An LLaVA-shaped model (CLIP + MLP connector + a Qwen2 LLM, no head, no queries) is a config, not a class."""
    from transformers import Qwen2Config

    from omni.models.base import OmniConfig, OmniForCausalLM
    from omni.models.dreamllm.presets import clip_vision_plugin, tiny_clip_vision_config

    torch.manual_seed(0)
    llm = Qwen2Config(hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=2,
                      num_key_value_heads=1, vocab_size=len(toy_tokenizer))
    encoder = clip_vision_plugin(tiny_clip_vision_config(16, 1, 32, 16))
    encoder["projector"] = {"type": "mlp", "depth": 2}
    config = OmniConfig(llm_config=llm.to_dict(), plugins={"vision_encoder": encoder})
    tokenizer = config.attach_tokenizer(toy_tokenizer)
    assert set(config.special_token_ids) == {"<im_start>", "<im_patch>", "<im_end>"}  # no dream tokens without a head
    model = OmniForCausalLM.build(config)
    assert "Qwen2DecoderLayer" in model._no_split_modules and "LlamaDecoderLayer" not in model._no_split_modules
    assert "CLIPEncoderLayer" in model._no_split_modules
    ids = config.special_token_ids
    slots = model.vision_encoder.num_image_tokens()
    input_ids = torch.tensor([[ids["<im_start>"]] + [ids["<im_patch>"]] * slots + [ids["<im_end>"]] + [20, 21, 22]])
    output = model(input_ids=input_ids, labels=input_ids, pixel_values=torch.randn(1, 3, 32, 32))
    assert set(output.metrics) == {"lm_loss"} and torch.isfinite(output.loss)
    output.loss.backward()
    assert model.vision_encoder.projector.to_spec() == {"type": "mlp", "depth": 2, "activation": "gelu", "bias": True}
    assert len(tokenizer) <= config.llm_config.vocab_size


def test_load_model_finds_the_family_from_the_folder_alone(tmp_path):
    """A fresh process that never imported DreamLLM loads a DreamLLM export: the family registry imports it."""
    import json
    import subprocess
    import sys

    code = ("import sys; from omni.models.loading import load_model; assert 'omni.models.dreamllm' not in sys.modules; "
            f"print(type(load_model({str(FIXTURE)!r})).__name__)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "DreamLLMForCausalLM"

    (tmp_path / "config.json").write_text(json.dumps({"model_type": "dreamlm"}))
    from omni.models.loading import load_model

    with pytest.raises(ValueError, match="'dreamlm'. Did you mean 'dreamllm'"):
        load_model(tmp_path)
