"""Token sequences for DreamLLM, and the transform that turns an image–text pair into a training sample.

Layouts (label policy: learn text, `<dream>` and `<dream_start>`; ignore the other multimodal tokens and prompts):
  comprehension  <s> <im_start> <im_patch>×N <im_end> {prompt} {caption} </s>
  creation       <s> {caption} <dream> <dream_start> <im_patch>×Q <dream_end> </s>
Classifier-free guidance: with probability `drop_prob` the creation caption is dropped, leaving exactly the sequence
that inference builds for the unconditional branch (`creation("")`): one null condition, one code path.
"""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass, field
from typing import Any

import torch

from omni.constants import DREAM, DREAM_END, DREAM_START, IGNORE_INDEX, IM_END, IM_PATCH, IM_START


@dataclass
class Sequence:
    input_ids: list[int] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)

    def add(self, ids: list[int], learn: bool) -> Sequence:
        self.input_ids += ids
        self.labels += ids if learn else [IGNORE_INDEX] * len(ids)
        return self


class SequenceBuilder:
    def __init__(self, tokenizer: Any, special_token_ids: dict[str, int], num_image_tokens: int, num_dream_queries: int,
                 model_max_length: int = 2048):
        self.tokenizer, self.ids = tokenizer, special_token_ids
        self.num_image_tokens, self.num_dream_queries = num_image_tokens, num_dream_queries
        self.model_max_length = model_max_length

    def text_ids(self, text: str) -> list[int]:
        return self.tokenizer(text, add_special_tokens=False).input_ids if text else []

    def image_block(self) -> list[int]:
        return [self.ids[IM_START]] + [self.ids[IM_PATCH]] * self.num_image_tokens + [self.ids[IM_END]]

    def dream_block(self, seq: Sequence) -> Sequence:
        seq.add([self.ids[DREAM], self.ids[DREAM_START]], learn=True)
        return seq.add([self.ids[IM_PATCH]] * self.num_dream_queries + [self.ids[DREAM_END]], learn=False)

    def start(self) -> Sequence:
        return Sequence().add([self.tokenizer.bos_token_id], learn=False)

    def comprehension_prompt(self, prompt: str) -> Sequence:
        """The prefix a model continues with a caption or answer (also what inference feeds)."""
        seq = self.start().add(self.image_block(), learn=False)
        return seq.add(self.text_ids(prompt), learn=False)

    def comprehension(self, caption: str, prompt: str) -> Sequence:
        seq = self.comprehension_prompt(prompt)
        room = self.model_max_length - len(seq.input_ids) - 1
        if room < 1:
            raise ValueError(f"model_max_length {self.model_max_length} leaves no room for text after the image block")
        seq.add(self.text_ids(" " + caption)[:room], learn=True)  # truncation cuts text only, never the image block
        return seq.add([self.tokenizer.eos_token_id], learn=True)

    def creation_prompt(self, caption: str) -> Sequence:
        """Caption then the dream block: the sequence whose dream-query states condition the image."""
        seq = self.start()
        room = self.model_max_length - 1 - (3 + self.num_dream_queries) - 1
        seq.add(self.text_ids(caption)[:max(room, 0)], learn=True)
        return self.dream_block(seq)

    def creation(self, caption: str) -> Sequence:
        return self.creation_prompt(caption).add([self.tokenizer.eos_token_id], learn=True)


class DreamLLMPairTransform:
    """Image–text pair → a training sample in `comprehension`, `creation` or `mixed` mode (a seeded coin per sample)."""

    MODES = ("comprehension", "creation", "mixed")

    def __init__(self, builder: SequenceBuilder, mode: str, vision_preprocess: Any = None, head_preprocess: Any = None,
                 prompts: tuple[str, ...] = ("Describe the image.",), drop_prob: float = 0.0, seed: int = 0):
        if mode not in self.MODES:
            raise ValueError(f"mode must be one of {self.MODES}, got {mode!r}")
        if mode != "creation" and vision_preprocess is None:
            raise ValueError(f"mode {mode!r} needs a vision encoder")
        if mode != "comprehension" and head_preprocess is None:
            raise ValueError(f"mode {mode!r} needs a diffusion head")
        self.builder, self.mode, self.prompts, self.drop_prob, self.seed = builder, mode, prompts, drop_prob, seed
        self.vision_preprocess, self.head_preprocess = vision_preprocess, head_preprocess

    def __call__(self, pair: dict[str, Any]) -> dict[str, Any]:
        rng = random.Random(zlib.crc32(f"{self.seed}-{pair['key']}".encode()))
        mode = self.mode if self.mode != "mixed" else rng.choice(("comprehension", "creation"))
        sample: dict[str, Any] = {}
        if mode == "comprehension":
            seq = self.builder.comprehension(pair["text"], rng.choice(self.prompts))
            sample["pixel_values"] = self.vision_preprocess([pair["image"]])
        else:
            caption = "" if rng.random() < self.drop_prob else pair["text"]
            seq = self.builder.creation(caption)
            sample["dream_pixel_values"] = self.head_preprocess([pair["image"]])
        sample["input_ids"] = torch.tensor(seq.input_ids)
        sample["labels"] = torch.tensor(seq.labels)
        return sample
