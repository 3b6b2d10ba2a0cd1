"""xGen-MM's toy recipe at tiny size, every stage on two-process torchrun: pretraining on one view, any-resolution
multi-image SFT from a fresh any-resolution model with stage 1 merged in, DPO with LoRA against the model without its
adapters, the adapters merged, safety fine-tuning with new adapters, and the toy evaluation of every measure."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from tests.helpers import project_stage
from tests.test_train_e2e import ENV, metrics

ROOT = Path(__file__).resolve().parents[1]


def xgen_stage(config: str, out: Path, data_root: Path, *overrides: str) -> subprocess.CompletedProcess:
    return project_stage("xgen_mm", config, out, data_root, *overrides)


def test_xgen_mm_pretrains_then_fine_tunes_at_any_resolution_and_evaluates(tiny_zoo, toy_data, tmp_path):
    from omni.data.toyworld.generate import generate
    from omni.zoo.toy.build import build_toy_zoo

    zoo, data = tmp_path / "zoo", tmp_path / "data"
    shutil.copytree(tiny_zoo[0], zoo)
    build_toy_zoo(zoo, toy_data, scale="tiny", progress=False, optional=("siglip",))
    shutil.copytree(toy_data / "toyworld", data / "toyworld")
    generate(data / "toyworld", num=64, num_test=16, shard_size=8, progress=False,
             kinds=("detail", "multi", "preferences", "safety"))
    from_zoo = (f"model.config.zoo_dir='{zoo}'", f"model.tokenizer_name_or_path='{zoo}/llama'")
    stage1, stage2 = tmp_path / "stage1", tmp_path / "stage2"
    result = xgen_stage("stage1_pretrain.py", stage1, data, *from_zoo, "training.max_steps=4")
    assert "plugins.vision_encoder.projector" in result.stdout
    result = xgen_stage("stage2_sft.py", stage2, data, *from_zoo, f"model.merge_from=['{stage1}']",
                        "training.max_steps=4")
    assert "merged" in result.stdout + result.stderr
    assert len(metrics(stage2)) == 4
    config = json.loads((stage2 / "config.json").read_text())
    encoder = config["plugins"]["vision_encoder"]
    assert encoder["type"] == "siglip_vision_embedding" and encoder["anyres_grids"] == [[1, 2], [2, 1], [2, 2], [3, 1], [1, 3]]

    stage3, merged, stage4 = tmp_path / "stage3", tmp_path / "stage3_merged", tmp_path / "stage4"
    xgen_stage("stage3_dpo.py", stage3, data, f"model.init_from='{stage2}'", "training.max_steps=4")
    rows = metrics(stage3)
    assert len(rows) == 4 and {"preference_loss", "reward_accuracy", "reward_margin"} <= set(rows[0])
    assert abs(rows[0]["preference_loss"] - 0.6931) < 1e-3  # the adapters start at zero: the model is its reference
    assert json.loads((stage3 / "config.json").read_text())["lora"]["r"] == 8
    merge = subprocess.run([sys.executable, "-m", "omni", "merge_lora", "--model", str(stage3), "--out", str(merged)],
                           cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=300)
    assert merge.returncode == 0, merge.stderr[-3000:]
    xgen_stage("stage4_safety.py", stage4, data, f"model.init_from='{merged}'", "training.max_steps=2")
    run = [sys.executable, "-m", "omni.eval.toyworld", "--model", str(stage4), "--zoo", str(zoo), "--data_root",
           str(data), "--num", "8", "--batch_size", "4", "--tasks", "vqa", "detail", "multi", "hallucination", "safety"]
    result = subprocess.run(run, cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    scores = json.loads((stage4 / "eval" / "eval.json").read_text())
    assert {"vqa_accuracy", "detail_shape_small", "detail_shape_large", "multi_which", "multi_changed",
            "hallucination_yes_when_absent", "safety_refusal_harmful", "safety_safe_accuracy"} <= set(scores)
