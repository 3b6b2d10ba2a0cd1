"""The transform a DreamLLM data loader applies: a typed sample → token ids, labels and preprocessed pixels.

Pairs follow the stage's `mode` (comprehension, creation, or a seeded coin per sample in `mixed`); interleaved
documents and conversations have one layout each. Caption dropout for guidance applies to creation pairs.
"""

from __future__ import annotations

import random
import zlib
from typing import Any

import torch

from omni.data.builders.dreamllm import Sequence, SequenceBuilder


class DreamLLMTransform:
    MODES = ("comprehension", "creation", "mixed")

    def __init__(self, builder: SequenceBuilder, mode: str = "mixed", vision_preprocess: Any = None,
                 head_preprocess: Any = None, prompts: tuple[str, ...] = ("Describe the image.",), drop_prob: float = 0.0,
                 seed: int = 0, documents_as_instructions: bool = False):
        if mode not in self.MODES:
            raise ValueError(f"mode must be one of {self.MODES}, got {mode!r}")
        if mode != "creation" and vision_preprocess is None:
            raise ValueError(f"mode {mode!r} needs a vision encoder")
        if mode != "comprehension" and head_preprocess is None:
            raise ValueError(f"mode {mode!r} needs a diffusion head")
        self.builder, self.mode, self.prompts, self.drop_prob, self.seed = builder, mode, prompts, drop_prob, seed
        self.vision_preprocess, self.head_preprocess = vision_preprocess, head_preprocess
        self.documents_as_instructions = documents_as_instructions

    def sequence(self, sample: dict[str, Any], rng: random.Random) -> Sequence:
        kind = sample.get("kind", "pair")
        if kind == "pair":
            mode = self.mode if self.mode != "mixed" else rng.choice(("comprehension", "creation"))
            if mode == "comprehension":
                return self.builder.comprehension(sample["text"], rng.choice(self.prompts), sample["image"])
            caption = "" if rng.random() < self.drop_prob else sample["text"]
            return self.builder.creation(caption, sample["image"])
        if kind == "interleaved":
            instruction = (sample.get("meta") or {}).get("instruction")
            if self.documents_as_instructions and instruction:
                turns = [{"from": "human", "value": instruction}, {"from": "gpt", "value": "<document>"}]
                return self.builder.conversation(turns, documents=[sample])
            return self.builder.interleaved(sample["text_list"], sample["images"], sample["matched_text_index"])
        if kind == "instruction_interleaved":
            turns = [{"from": "human", "value": sample["instruction"]}, {"from": "gpt", "value": "<document>"}]
            return self.builder.conversation(turns, documents=[sample])
        if kind == "text":
            return self.builder.text(sample["text"])
        if kind == "conversation":
            return self.builder.conversation(sample["conversations"], sample.get("images", []), sample.get("documents", []))
        raise ValueError(f"unknown sample kind {kind!r}")

    def __call__(self, sample: dict[str, Any]) -> dict[str, Any]:
        rng = random.Random(zlib.crc32(f"{self.seed}-{sample['key']}".encode()))
        seq = self.sequence(sample, rng)
        out: dict[str, Any] = {"input_ids": torch.tensor(seq.input_ids), "labels": torch.tensor(seq.labels)}
        if seq.input_images:
            if self.vision_preprocess is None:
                raise ValueError("a sample has input images but the model has no vision encoder")
            out["pixel_values"] = self.vision_preprocess(seq.input_images)
        if seq.dream_images:
            if self.head_preprocess is None:
                raise ValueError("a sample creates images but the model has no diffusion head")
            out["dream_pixel_values"] = self.head_preprocess(seq.dream_images)
        return out
