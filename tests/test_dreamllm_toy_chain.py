"""The toy DreamLLM recipe's stage chain on the tiny zoo, as scripts/toyworld_recipe.sh runs it: stage I comprehension
with LoRA on the LLM, its adapters folded in (`python -m omni merge_lora`), stage I creation from that folder, stage II
from creation's. Each stage must start from what the previous one trained."""

from __future__ import annotations

import json
import subprocess
import sys

from safetensors.torch import load_file

from tests.helpers import project_stage
from tests.test_train_e2e import ENV, ROOT


def test_toy_stage_chain_folds_stage_one_lora_and_carries_every_part(tiny_zoo, toy_data, tmp_path):
    zoo, _ = tiny_zoo
    runs = {name: tmp_path / name for name in ("comprehension", "merged", "creation", "igpt")}
    project_stage("dreamllm", "stage1_comprehension.py", runs["comprehension"], toy_data, "training.max_steps=3",
                  f"model.config.zoo_dir='{zoo}'", f"model.tokenizer_name_or_path='{zoo}/llama'")
    comprehension = load_file(runs["comprehension"] / "model.safetensors")
    assert json.loads((runs["comprehension"] / "config.json").read_text())["lora"]["r"] == 8
    assert any(".lora_B." in name and tensor.abs().sum() > 0 for name, tensor in comprehension.items())

    subprocess.run([sys.executable, "-m", "omni", "merge_lora", "--model", str(runs["comprehension"]), "--out",
                    str(runs["merged"])], cwd=ROOT, env=ENV, check=True, capture_output=True)
    merged = load_file(runs["merged"] / "model.safetensors")
    assert not any("lora_" in name for name in merged)

    project_stage("dreamllm", "stage1_creation.py", runs["creation"], toy_data, "training.max_steps=3",
                  f"model.init_from='{runs['merged']}'")
    creation = load_file(runs["creation"] / "model.safetensors")
    for name, tensor in merged.items():  # the LLM with its adapters folded in and the vision projector, unchanged
        if name.startswith("llm.") or ".vision_encoder.projector." in name:
            assert (creation[name] == tensor).all(), name
    assert any(not (creation[n] == merged[n]).all() for n in creation if n.startswith("plugins.dream_queries"))

    project_stage("dreamllm", "stage2_igpt.py", runs["igpt"], toy_data, "training.max_steps=2",
                  f"model.init_from='{runs['creation']}'")
    assert (runs["igpt"] / "model.safetensors").exists()
