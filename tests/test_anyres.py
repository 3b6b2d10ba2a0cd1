"""Any-resolution patch sampling (xGen-MM / LLaVA-NeXT): the best grid by effective resolution then wasted area, a
centred resize-and-pad, a global view then the crops in row order, the padded border masked in the Perceiver, and a
number of slots per image that follows its grid through the builder, the collator, the model and generation."""

from __future__ import annotations

import pytest
import torch
from PIL import Image

from omni.models.plugins.anyres import XGEN_MM_GRIDS, anyres_views, check_grids, content_mask, select_grid

PERCEIVER = {"type": "perceiver", "num_latents": 3, "depth": 1, "dim_head": 8, "heads": 2}


def test_the_best_grid_keeps_most_pixels_then_wastes_least():
    base = 32
    assert select_grid((64, 32), XGEN_MM_GRIDS, base) == (1, 2)  # 2:1 fits 1×2 exactly
    assert select_grid((32, 64), XGEN_MM_GRIDS, base) == (2, 1)
    assert select_grid((96, 32), XGEN_MM_GRIDS, base) == (1, 3)
    assert select_grid((32, 96), XGEN_MM_GRIDS, base) == (3, 1)
    assert select_grid((64, 64), XGEN_MM_GRIDS, base) == (2, 2)  # 1×2 would keep a quarter of the pixels less
    # a small image fits every canvas whole (effective resolution ties): the least padded canvas wins, the first of
    # equals (1×2 and 2×1) in the configured order
    assert select_grid((20, 10), XGEN_MM_GRIDS, base) == (1, 2)
    # hand-computed: 100×60 in 1×2 (64×32) keeps 53×32 = 1696 px, 2×2 (64×64) keeps 64×38 = 2432: 2×2
    assert select_grid((100, 60), XGEN_MM_GRIDS, base) == (2, 2)


def test_grids_are_checked():
    from omni.models.plugins import build_plugin

    assert check_grids([[1, 2], [2, 1]]) == ((1, 2), (2, 1))
    for bad in ([[1]], [[0, 2]], [[1.5, 2]], []):
        with pytest.raises(ValueError, match="grid"):
            check_grids(bad)
    vision = {"hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2,
              "image_size": 32, "patch_size": 8}
    with pytest.raises(ValueError, match="exclude each other"):
        build_plugin({"type": "clip_vision_embedding", "vision_config": vision, "anyres_grids": [[1, 2]],
                      "pad_to_square": True}, llm_hidden_size=24)


def test_views_are_the_global_image_then_the_crops_in_row_order():
    image = Image.new("RGB", (64, 64))
    colours = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0)]  # top-left, top-right, bottom-left, bottom-right
    for k, colour in enumerate(colours):
        image.paste(colour, ((k % 2) * 32, (k // 2) * 32, (k % 2 + 1) * 32, (k // 2 + 1) * 32))
    views, masks = anyres_views(image, [(2, 2)], base=32, patch_size=8, fill=(0, 0, 0))
    assert len(views) == 5 and all(v.size == (32, 32) for v in views) and masks.shape == (5, 16) and masks.all()
    assert [views[k + 1].getpixel((16, 16)) for k in range(4)] == colours
    assert views[0].getpixel((8, 8)) == colours[0] and views[0].getpixel((24, 24)) == colours[3]  # the whole, resized


def test_the_padding_mask_covers_the_centred_padding():
    # 64×16 into a 1×2 canvas (64×32): content rows 8..23, patches of 8 px: patch rows 0 and 3 are padding
    mask = content_mask((64, 16), (1, 2), patches_per_side=4)
    assert mask.shape == (4, 8) and not mask[0].any() and not mask[3].any() and mask[1:3].all()
    views, masks = anyres_views(Image.new("RGB", (64, 16), (200, 0, 0)), [(1, 2)], 32, 8, (0, 0, 0))
    assert views[1].getpixel((4, 4)) == (0, 0, 0) and views[1].getpixel((4, 12)) == (200, 0, 0)
    # each crop's mask is its own 4×4 block of the grid, row-major: rows 0 and 3 off
    expected = torch.tensor([False] * 4 + [True] * 8 + [False] * 4)
    assert masks[0].all() and torch.equal(masks[1], expected) and torch.equal(masks[2], expected)
    tall = content_mask((16, 64), (2, 1), patches_per_side=4)
    assert not tall[:, 0].any() and not tall[:, 3].any() and tall[:, 1:3].all()


def anyres_plugin(separator: bool = False, drop_cls: bool = True):
    from omni.models.plugins import build_plugin

    torch.manual_seed(0)
    vision = {"hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2,
              "image_size": 32, "patch_size": 8}
    return build_plugin({"type": "clip_vision_embedding", "vision_config": vision, "projector": PERCEIVER,
                         "anyres_grids": [[1, 2], [2, 1], [2, 2]], "view_separator": separator, "drop_cls": drop_cls},
                        llm_hidden_size=24)


def test_an_anyres_plugin_encodes_each_view_and_masks_its_padding():
    plugin = anyres_plugin().eval()
    wide, square = Image.new("RGB", (64, 16), (200, 0, 0)), Image.new("RGB", (40, 40), (0, 0, 200))
    assert plugin.num_image_tokens(wide) == 3 * 3 and plugin.num_image_tokens(square) == 5 * 3
    assert plugin.num_image_tokens() == 3  # the base resolution: one view
    inputs = plugin.preprocess([wide, square])
    assert inputs["pixel_values"].shape == (8, 3, 32, 32) and inputs["image_patch_mask"].shape == (8, 16)
    assert int((~inputs["image_patch_mask"]).sum()) == 16  # two crops of the wide image, 8 padded patches each
    with torch.no_grad():
        tokens = plugin(**inputs)
        assert tokens.shape == (8, 3, 24)
        # the mask reaches the Perceiver: what the padded patches hold does not change the crop's tokens
        features = plugin.features(inputs["pixel_values"])
        noisy = features.clone()
        noisy[~inputs["image_patch_mask"]] = torch.randn_like(noisy[~inputs["image_patch_mask"]]) * 10
        mask = inputs["image_patch_mask"]
        torch.testing.assert_close(plugin.projector(noisy, mask), plugin.projector(features, mask))
        assert not torch.allclose(plugin.projector(noisy), plugin.projector(features))
    kept_cls = anyres_plugin(drop_cls=False)
    assert kept_cls.preprocess([wide])["image_patch_mask"].shape == (3, 17)  # the CLS token is always real


def test_the_view_separator_follows_each_view_and_has_no_weight_decay():
    from omni.train.trainer import parameter_groups

    plugin = anyres_plugin(separator=True)
    image = Image.new("RGB", (64, 16), (200, 0, 0))
    assert plugin.num_image_tokens(image) == 3 * 4
    tokens = plugin(**plugin.preprocess([image]))
    assert tokens.shape == (3, 4, 24) and torch.equal(tokens[:, -1], plugin.separator.detach().expand(3, -1))
    undecayed = [g for g in parameter_groups(plugin, 0.1, 1e-3) if g["weight_decay"] == 0.0]
    assert any(p is plugin.separator for g in undecayed for p in g["params"])
    assert plugin.to_spec()["anyres_grids"] == [[1, 2], [2, 1], [2, 2]] and plugin.to_spec()["view_separator"]


def test_an_anyres_model_trains_batches_generates_and_reloads(tmp_path, toy_tokenizer):
    from omni.data.builders import MultimodalTransform
    from omni.data.collator import DataCollator
    from omni.models.base import OmniConfig, OmniForCausalLM
    from omni.models.dreamllm.presets import llama_config

    vision = {"hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2,
              "image_size": 32, "patch_size": 8}
    config = OmniConfig(llm_config=llama_config(64, 2, 4, 128, len(toy_tokenizer)), model_max_length=256,
                        plugins={"vision_encoder": {"type": "siglip_vision_embedding", "vision_config": vision,
                                                    "projector": PERCEIVER, "anyres_grids": [[1, 2], [2, 1], [2, 2]],
                                                    "view_separator": True}})
    config.attach_tokenizer(toy_tokenizer)
    torch.manual_seed(0)
    model = OmniForCausalLM.build(config)
    transform = MultimodalTransform.for_model(model, toy_tokenizer, "comprehension")
    images = [Image.new("RGB", (64, 16), (200, 0, 0)), Image.new("RGB", (48, 48), (0, 0, 200))]
    samples = [transform({"image": image, "text": "a shape", "key": f"k{k}"}) for k, image in enumerate(images)]
    batch = DataCollator(toy_tokenizer.pad_token_id)(samples)
    assert batch["pixel_values"].shape[0] == 3 + 5 and batch["image_patch_mask"].shape == (8, 16)
    output = model(**batch)
    output.loss.backward()
    assert model.plugins.vision_encoder.projector.latents.grad is not None
    assert model.plugins.vision_encoder.separator.grad is not None
    # generation: two images of different grids in one left-padded batch
    generator = model.generator(toy_tokenizer)
    prompts = [generator.builder.comprehension_prompt("Describe the image.", image) for image in images]
    assert len(generator.continue_text(prompts, max_new_tokens=2)) == 2
    model.save_pretrained(tmp_path / "export")
    again = OmniForCausalLM.from_pretrained(tmp_path / "export").eval()
    with torch.no_grad():
        torch.testing.assert_close(again(**batch).logits, model.eval()(**batch).logits)
