"""Small models the evaluation tests share: a tiny CLIP saved as a local folder, a fixed pixel-feature extractor."""

from __future__ import annotations

from pathlib import Path

import torch


def tiny_clip(folder: Path, tokenizer) -> Path:
    """A random CLIP (text and vision, 32 px) saved with its processor and `tokenizer`, as a local CLIP folder."""
    from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel

    torch.manual_seed(0)
    config = CLIPConfig(text_config={"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 1,
                                     "num_attention_heads": 2, "vocab_size": len(tokenizer),
                                     "eos_token_id": tokenizer.eos_token_id},
                        vision_config={"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 1,
                                       "num_attention_heads": 2, "image_size": 32, "patch_size": 16}, projection_dim=16)
    CLIPModel(config).save_pretrained(folder)
    CLIPImageProcessor(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


class PooledPixels(torch.nn.Module):
    """Any feature extractor will do for FID: here a fixed random projection of 4x4-pooled pixels."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.proj = torch.nn.Linear(48, 8)

    def forward(self, x):
        return self.proj(torch.nn.functional.adaptive_avg_pool2d(x.float(), 4).flatten(1))


def project_stage(project: str, config: str, out: Path, data_root: Path, *overrides: str):
    """One stage of a project's toy configs on two-process torchrun, small batches, no logging services; it must
    succeed (its output is returned for the caller's checks)."""
    import subprocess
    import sys

    from tests.test_train_e2e import ENV, ROOT

    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
               "-m", f"projects.{project}.train", "--config_file", f"projects/{project}/configs/toy/{config}",
               f"training.output_dir='{out}'", f"data.data_root='{data_root}'", "training.report_to=[]",
               "training.disable_tqdm=true", "training.per_device_train_batch_size=2", "data.shuffle_buffer=20",
               *overrides]
    result = subprocess.run(command, cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    return result


def summary_rows(config: str) -> dict:
    """`python -m omni summary --json` of a config on the meta device: parameters per module."""
    import json
    import subprocess
    import sys

    from tests.test_train_e2e import ENV, ROOT

    result = subprocess.run([sys.executable, "-m", "omni", "summary", "--config", config, "--json"], cwd=ROOT, env=ENV,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)["modules"]
