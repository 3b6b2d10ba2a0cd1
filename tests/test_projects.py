"""Projects that are not DreamLLM run on the framework alone: LLaVA-1.5 at tiny size (two-process torchrun, both
stages, the toy evaluation and the benchmark runner), its paper-size config on the meta device, and the run-level
rules every project shares (loss weights have one home; a loaded model's config is never silently replaced)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import project_stage, summary_rows
from tests.test_train_e2e import ENV, metrics

ROOT = Path(__file__).resolve().parents[1]


def llava_stage(config: str, out: Path, zoo: Path, data_root: Path, *overrides: str) -> subprocess.CompletedProcess:
    return project_stage("llava", config, out, data_root, *overrides)


def test_llava_trains_both_stages_on_two_processes_and_evaluates(tiny_zoo, toy_data, tmp_path):
    zoo, _ = tiny_zoo
    stage1, stage2 = tmp_path / "stage1", tmp_path / "stage2"
    result = llava_stage("stage1_pretrain.py", stage1, zoo, toy_data, f"model.config.zoo_dir='{zoo}'",
                         f"model.tokenizer_name_or_path='{zoo}/llama'", "training.max_steps=6")
    assert "plugins.vision_encoder.projector" in result.stdout and "dream" not in result.stdout
    rows = metrics(stage1)
    assert len(rows) == 6 and all(set(r) >= {"loss", "lm_loss"} and "vm_loss" not in r for r in rows)
    llava_stage("stage2_finetune.py", stage2, zoo, toy_data, f"model.init_from='{stage1}'", "training.max_steps=4")
    config = json.loads((stage2 / "config.json").read_text())
    assert config["model_type"] == "omni" and list(config["plugins"]) == ["vision_encoder"]

    from safetensors.torch import load_file

    before, after = load_file(stage1 / "model.safetensors"), load_file(stage2 / "model.safetensors")
    llm = [k for k in after if k.startswith("llm.")]
    assert any(not (before[k] == after[k]).all() for k in llm)  # stage 2 trains the LLM; stage 1 did not
    run = [sys.executable, "-m", "omni.eval.toyworld", "--model", str(stage2), "--zoo", str(zoo), "--data_root",
           str(toy_data), "--num", "8", "--batch_size", "4"]
    result = subprocess.run(run, cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    scores = json.loads((stage2 / "eval" / "eval.json").read_text())
    assert scores["tasks"] == ["captions", "vqa"] and {"caption_all", "vqa_accuracy"} <= set(scores)
    refused = subprocess.run(run + ["--tasks", "creation"], cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=300)
    assert refused.returncode != 0 and "creates no images" in refused.stderr

    from omni.data.toyworld.benchmarks import write_benchmarks
    from omni.eval.answerers import OmniAnswerer
    from omni.eval.benchmarks import get_benchmark
    from omni.eval.runner import run_benchmark

    write_benchmarks(toy_data, tmp_path / "eval", num=8)
    answerer = OmniAnswerer(stage2, device="cpu")
    assert answerer.describe()["type"] == "omni"
    out = run_benchmark(get_benchmark("vqav2"), answerer, tmp_path / "out", tmp_path / "eval", batch_size=4,
                        prompt="{question}")
    assert 0 <= out["scores"]["accuracy"] <= 100
    with pytest.raises(ValueError, match="creates no images"):
        answerer.create(["a red circle"], seed=0)


def test_llava_7b_plans_on_the_meta_device():
    """LLaVA-1.5-7B's parts at their published sizes: the mlp2x_gelu projector 1024→4096→4096 is 20,979,712."""
    rows = summary_rows("projects/llava/configs/llava15_7b.py")
    assert rows["plugins.vision_encoder.projector"]["params"] == 20_979_712
    assert rows["plugins.vision_encoder.backbone"]["params"] == 303_507_456  # CLIP ViT-L/14-336 vision tower
    assert rows["llm"]["params"] == 6_738_415_616 + 3 * 4096 * 2  # Vicuna-7B + <im_start>, <im_patch>, <im_end> rows


def test_init_from_with_a_config_and_unknown_loss_weights_fail_loudly(tiny_zoo, tmp_path):
    from omni.models.loading import build_model
    from omni.models.presets import toy_zoo_vlm_config

    zoo, _ = tiny_zoo
    with pytest.raises(ValueError, match="model.config would be ignored"):
        build_model({"_target_": "omni.models.presets.toy_zoo_vlm_config"}, None, str(tmp_path))
    config = toy_zoo_vlm_config(str(zoo))
    with pytest.raises(ValueError, match=r"has no loss \['vm'\]; its losses are \['lm', 'preference'\]"):
        config.set_loss_weights({"vm": 1.0})


CONFIGS = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "projects").glob("*/configs/**/*.py")
                 if p.name not in ("__init__.py", "common.py"))


@pytest.mark.parametrize("config_file", CONFIGS)
def test_every_project_config_is_a_valid_run(config_file):
    """Each shipped config loads and type-checks against the run's arguments (an unknown key would fail here)."""
    from omni.config.launch import load_config
    from omni.train.arguments import Arguments

    config = load_config(config_file, [], Arguments)
    assert config.training.trainable, config_file
    assert (config.model.config is None) == bool(config.model.init_from), config_file  # never both, never neither


def test_mm1_3b_plans_on_the_meta_device():
    """MM1's shape: 729 ViT-H/14 patches at 378 px → C-Abstractor → 144 tokens into a ~3B LLM."""
    import torch

    from omni.config import instantiate
    from omni.config.lazy import LazyConfig
    from omni.models.loading import model_class

    config = instantiate(LazyConfig.load("projects/mm1/configs/mm1_3b.py").model.config)
    with torch.device("meta"):
        model = model_class(config)(config)
    assert model.vision_encoder.num_features == 729 and model.vision_encoder.num_image_tokens() == 144
    assert 3.3e9 < sum(p.numel() for p in model.llm.parameters()) < 3.5e9


def test_clip_runs_at_another_resolution_with_interpolated_position_embeddings():
    """MM1's resolution factor: a tower trained at one size runs at another; the token count follows the grid."""
    from PIL import Image
    from transformers import CLIPVisionConfig

    from omni.models.dreamllm.presets import tiny_clip_vision_config
    from omni.models.plugins.clip_vision import CLIPVisionEmbedding

    vision = tiny_clip_vision_config(32, 2, image_size=32)  # 32 px, patch 16 → 2×2 patches
    native = CLIPVisionEmbedding(24, vision_config=vision, projector="linear")
    doubled = CLIPVisionEmbedding(24, vision_config=vision, projector="linear", image_size=64)
    doubled.backbone.load_state_dict(native.backbone.state_dict())
    image = Image.new("RGB", (80, 80), (200, 30, 30))
    assert native.num_image_tokens() == 4 and doubled.num_image_tokens() == 16
    assert doubled.preprocess([image])["pixel_values"].shape[-1] == 64
    assert doubled(**doubled.preprocess([image])).shape == (1, 16, 24)
    assert doubled.to_spec()["image_size"] == 64
    with pytest.raises(ValueError, match="not a multiple of the patch size"):
        CLIPVisionEmbedding(24, vision_config=vision, image_size=40)
    assert CLIPVisionConfig(**vision).image_size == 32


def test_mm1_ablation_trains_evaluates_resumes_and_tabulates(tiny_zoo, toy_data, tmp_path):
    """Two cells of the ablation grid end to end on the tiny zoo; a second call reads them instead of retraining."""
    from projects.mm1 import ablation

    zoo, _ = tiny_zoo
    args = ["--out", str(tmp_path), "--zoo", str(zoo), "--data_root", str(toy_data), "--connectors", "avg_pool",
            "perceiver", "--tokens", "4", "--resolutions", "32", "--seeds", "0", "--steps", "2", "--num", "8"]
    ablation.main(args)
    summary = json.loads((tmp_path / "ablation.json").read_text())
    rows = {row["connector"]: row for row in summary["rows"]}
    assert set(rows) == {"avg_pool", "perceiver"} and all(row["tokens"] == 4 for row in rows.values())
    assert rows["avg_pool"]["parameters"] < rows["perceiver"]["parameters"]
    assert 0 <= rows["perceiver"]["vqa_accuracy"]["mean"] <= 1
    assert set(summary["main_effects"]) == {"connector", "tokens", "resolution"}
    assert summary["main_effects"]["tokens"]["_spread"]["vqa_accuracy"] == 0  # one level: no effect to measure
    written = (tmp_path / "avg_pool-t4-r32-s0" / "eval" / "eval.json").stat().st_mtime
    ablation.main(args)  # resumes: nothing retrained
    assert (tmp_path / "avg_pool-t4-r32-s0" / "eval" / "eval.json").stat().st_mtime == written
    assert "| avg_pool | 4 | 32 px |" in (tmp_path / "ablation.md").read_text()
    with pytest.raises(ValueError, match="unknown connector"):
        ablation.main(["--out", str(tmp_path), "--connectors", "qformr"])
