"""xGen-MM phi-3 at paper size, on the meta device: each part's parameter count equals the reference's, computed from
its code (salesforce/LAVIS branch xgen-mm: SigLIP so400m's `SiglipVisionTransformer`, `PerceiverResampler(dim=1152,
dim_inner=3072)`, phi-3-mini-4k), and any-resolution gives the reference's slot counts."""

from __future__ import annotations

import json

from tests.helpers import summary_rows


def test_xgen_mm_phi3_summary_matches_the_reference_part_by_part():
    rows = summary_rows("projects/xgen_mm/configs/xgen_mm_phi3.py")
    # SigLIP so400m/14-384 vision tower with its (unused, as in the reference) attention-pooling head
    assert rows["plugins.vision_encoder.backbone"]["params"] == 428_225_600
    assert rows["plugins.vision_encoder.backbone"]["trainable"] == 0
    assert rows["plugins.vision_encoder.projector"]["params"] == 109_901_568  # the Perceiver, projection included
    # phi-3-mini as released: the image tokens take its padding rows (32011-32013), no new rows
    assert rows["llm"]["params"] == 3_821_079_552


def test_any_resolution_slots_at_paper_size():
    import torch
    from PIL import Image

    from omni.models.loading import model_class
    from projects.xgen_mm.presets import xgen_mm_phi3_config

    config = xgen_mm_phi3_config()
    with torch.device("meta"):
        model = model_class(config)(config)
    encoder = model.vision_encoder
    assert encoder.num_features == 729 and encoder.tokens_per_view == 128
    assert encoder.num_image_tokens(Image.new("RGB", (768, 768))) == 5 * 128  # 2×2 grid + the global view
    assert encoder.num_image_tokens(Image.new("RGB", (1152, 384))) == 4 * 128  # 1×3
    assert config.special_token_ids == {"<im_start>": 32011, "<im_patch>": 32012, "<im_end>": 32013}
    assert config.llm_config.vocab_size == 32064


def test_the_recipe_report_tabulates_each_stage_with_chance(tmp_path):
    from projects.xgen_mm.report import main

    for folder, scores in (("stage2_sft_single_view", {"detail_shape_small": 0.4}),
                           ("stage2_sft", {"detail_shape_small": 0.75, "multi_which": 0.9}),
                           ("stage3_dpo", {"hallucination_yes_when_absent": 0.125})):
        (tmp_path / folder / "eval").mkdir(parents=True)
        (tmp_path / folder / "eval" / "eval.json").write_text(json.dumps(scores))
    main(["--runs", str(tmp_path)])
    lines = (tmp_path / "report.md").read_text().splitlines()
    assert "| shape of a small shape | 40.0 | 75.0 | – | – | 33.3 |" in lines
    assert "| which picture shows … | – | 90.0 | – | – | 50.0 |" in lines
    assert "| answers yes about an absent shape (lower is better) | – | – | 12.5 | – | – |" in lines
