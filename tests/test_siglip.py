"""The SigLIP encoder plugin: real `SiglipVisionModel` weights saved with `save_pretrained` load through the plugin,
its features are the tower's last hidden state (no CLS token), pixels are normalised with mean and std 0.5, and an
LLM + SigLIP + Perceiver model is a config that trains, saves and reloads."""

from __future__ import annotations

import pytest
import torch
from PIL import Image

from omni.models.zoo import register_model


def tiny_siglip(tmp_path):
    from transformers import SiglipVisionConfig, SiglipVisionModel

    torch.manual_seed(0)
    tower = SiglipVisionModel(SiglipVisionConfig(hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                                                 num_attention_heads=2, image_size=32, patch_size=8))
    tower.save_pretrained(tmp_path / "siglip")
    register_model("test/siglip", tmp_path / "siglip")
    return tower


def test_siglip_features_are_the_last_hidden_state_of_every_patch(tmp_path):
    from omni.models.plugins import SiglipVisionEmbedding, build_plugin

    tower = tiny_siglip(tmp_path)
    plugin = build_plugin({"type": "siglip_vision_embedding", "model_name_or_path": "test/siglip",
                           "projector": {"type": "perceiver", "num_latents": 6, "depth": 1, "dim_head": 8, "heads": 2}},
                          llm_hidden_size=24)
    assert isinstance(plugin, SiglipVisionEmbedding)
    plugin.load_pretrained()
    assert plugin.num_features == 16 and plugin.num_image_tokens() == 6  # (32 / 8)² patches, no CLS
    white = plugin.preprocess([Image.new("RGB", (50, 20), (255, 255, 255))])["pixel_values"]
    assert white.shape == (1, 3, 32, 32) and torch.allclose(white, torch.ones_like(white))  # (1 - 0.5) / 0.5, no crop
    pixels = plugin.preprocess([Image.new("RGB", (32, 32), (200, 40, 10)),
                                Image.new("RGB", (32, 32), (10, 40, 200))])["pixel_values"]
    with torch.no_grad():
        torch.testing.assert_close(plugin.features(pixels), tower(pixel_values=pixels).last_hidden_state)
        assert plugin(pixels).shape == (2, 6, 24)
    assert not any(p.requires_grad for p in plugin.backbone.parameters())
    spec = plugin.to_spec()
    assert spec["type"] == "siglip_vision_embedding" and spec["vision_config"]["patch_size"] == 8
    assert "drop_cls" not in spec


def test_an_llm_with_siglip_and_a_perceiver_trains_saves_and_reloads(tmp_path, toy_tokenizer):
    from omni.models.base import OmniConfig, OmniForCausalLM
    from omni.models.dreamllm.presets import llama_config

    tiny_siglip(tmp_path)
    config = OmniConfig(llm_config=llama_config(64, 2, 4, 128, len(toy_tokenizer)),
                        plugins={"vision_encoder": {"type": "siglip_vision_embedding", "model_name_or_path": "test/siglip",
                                                    "projector": {"type": "perceiver", "num_latents": 4, "depth": 1,
                                                                  "dim_head": 8, "heads": 2}}})
    config.attach_tokenizer(toy_tokenizer)
    torch.manual_seed(0)
    model = OmniForCausalLM.build(config)
    builder = model.sequence_builder(toy_tokenizer)
    image = Image.new("RGB", (32, 32), (200, 40, 10))
    sequence = builder.start()
    builder.add_image(sequence, image)
    builder.add_text(sequence, " a red square", learn=True)
    input_ids = torch.tensor([sequence.input_ids])
    labels = torch.tensor([sequence.labels])
    pixels = model.plugins.vision_encoder.preprocess([image])
    output = model(input_ids=input_ids, attention_mask=torch.ones_like(input_ids), labels=labels, **pixels)
    output.loss.backward()
    assert model.plugins.vision_encoder.projector.latents.grad is not None
    model.save_pretrained(tmp_path / "export")
    again = OmniForCausalLM.from_pretrained(tmp_path / "export")
    with torch.no_grad():
        torch.testing.assert_close(again(input_ids=input_ids, attention_mask=torch.ones_like(input_ids),
                                         **pixels).logits,
                                   model.eval()(input_ids=input_ids, attention_mask=torch.ones_like(input_ids),
                                                **pixels).logits)


def test_siglip_refuses_a_resolution_off_its_patch_grid(tmp_path):
    from omni.models.plugins import build_plugin

    tiny_siglip(tmp_path)
    with pytest.raises(ValueError, match="not a multiple of the patch size"):
        build_plugin({"type": "siglip_vision_embedding", "model_name_or_path": "test/siglip", "image_size": 36},
                     llm_hidden_size=24)


def test_the_toy_zoo_trains_a_siglip_with_the_sigmoid_loss_on_request(tiny_zoo, toy_data, tmp_path):
    """`--with siglip`: the others are cached, the SigLIP trains, and its folder loads like real weights."""
    import json
    import shutil

    from transformers import AutoImageProcessor, SiglipModel

    from omni.models.plugins import build_plugin
    from omni.zoo.toy.build import build_toy_zoo

    zoo, _ = tiny_zoo
    out = tmp_path / "toy"
    shutil.copytree(zoo, out)
    summary = build_toy_zoo(out, toy_data, scale="tiny", progress=False, optional=("siglip",))
    assert set(summary["components"]) >= {"clip", "siglip"}
    assert summary["components"]["clip"] == json.loads((zoo / "clip" / "zoo_result.json").read_text())  # cached
    assert 0 <= summary["components"]["siglip"]["retrieval_top1"] <= 1
    assert json.loads((out / "zoo.json").read_text())["omni-toy/siglip"] == str((out / "siglip").resolve())
    siglip = SiglipModel.from_pretrained(out / "siglip")
    assert siglip.logit_bias is not None  # the sigmoid loss's learned bias: a SigLIP, not a CLIP
    assert type(AutoImageProcessor.from_pretrained(out / "siglip")).__name__.startswith("SiglipImageProcessor")
    plugin = build_plugin({"type": "siglip_vision_embedding", "model_name_or_path": str(out / "siglip"),
                           "projector": "linear"}, llm_hidden_size=16)
    plugin.load_pretrained()
    pixels = plugin.preprocess([Image.new("RGB", (64, 64), (200, 40, 10))])["pixel_values"]
    with torch.no_grad():
        torch.testing.assert_close(plugin.features(pixels), siglip.vision_model(pixel_values=pixels).last_hidden_state)
    with pytest.raises(ValueError, match="unknown optional toy-zoo components"):
        build_toy_zoo(out, toy_data, scale="tiny", progress=False, optional=("siglipp",))


def test_the_toy_siglip_starts_where_the_paper_starts_its_sigmoid_loss(toy_data):
    """t' = log 10 and b = -10 (SigLIP, section 3.2): transformers' zeros made the toy SigLIP retrieve nothing. A
    SigLIP cached by the trainer before that fix is trained again (its stamp names the revision)."""
    import math

    from omni.zoo.toy.build import _stamp
    from omni.zoo.toy.clip import build_clip, clip_tokenizer

    model = build_clip(clip_tokenizer(toy_data / "toyworld" / "tokenizer"), "tiny", kind="siglip")
    assert model.logit_scale.item() == pytest.approx(math.log(10)) and model.logit_bias.item() == -10
    assert _stamp("siglip", "full", 0)["revision"] == 2 and "revision" not in _stamp("clip", "full", 0)
