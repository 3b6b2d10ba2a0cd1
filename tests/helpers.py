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
