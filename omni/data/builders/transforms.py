"""The sample transform: a typed sample (pair, interleaved document, text, conversation) → model inputs, for any model.

Which sequences a sample becomes follows what the model has (see `omni.data.builders.sequence`): an image–text pair
is a comprehension sample for a model that reads images, a creation sample for one that creates them, either for one
that does both (`mode`); an interleaved document holds created or seen images, or is text. Each sample's choices
come from a generator seeded by (seed, sample key): the same sample gives the same sequence on every rank and after a
resume.
"""

from __future__ import annotations

import random
import zlib
from typing import Any

import torch

from omni.constants import REFERENCE_KEYS
from omni.data.builders.sequence import Sequence, SequenceBuilder


class MultimodalTransform:
    MODES = ("comprehension", "creation", "mixed")

    def __init__(self, builder: SequenceBuilder, mode: str = "mixed", vision_preprocess: Any = None,
                 head_preprocess: Any = None, prompts: tuple[str, ...] = ("Describe the image.",), drop_prob: float = 0.0,
                 seed: int = 0, documents_as_instructions: bool = False, creation_caption_loss: bool = True):
        if mode not in self.MODES:
            raise ValueError(f"mode must be one of {self.MODES}, got {mode!r}")
        if mode == "comprehension" and vision_preprocess is None:
            raise ValueError("mode 'comprehension' needs a vision encoder")
        if mode == "creation" and head_preprocess is None:
            raise ValueError("mode 'creation' needs an image head (a diffusion head with its queries)")
        if vision_preprocess is None and head_preprocess is None and mode == "mixed":
            raise ValueError("mode 'mixed' needs a vision encoder or an image head: a text-only model has no pairs to train on")
        self.builder, self.mode, self.prompts, self.drop_prob, self.seed = builder, mode, prompts, drop_prob, seed
        self.vision_preprocess, self.head_preprocess = vision_preprocess, head_preprocess
        self.documents_as_instructions, self.creation_caption_loss = documents_as_instructions, creation_caption_loss
        # what a pair becomes: in 'mixed', whichever directions this model has
        self.pair_modes = (mode,) if mode != "mixed" else tuple(
            m for m, has in (("comprehension", vision_preprocess), ("creation", head_preprocess)) if has is not None)

    @classmethod
    def for_model(cls, model: Any, tokenizer: Any, mode: str = "mixed", **options: Any) -> MultimodalTransform:
        """The transform that feeds `model` (an `OmniForCausalLM`): its builder, its plugins' preprocessing and its
        head's caption dropout (classifier-free guidance)."""
        encoder, head = model.vision_encoder, model.head if model.sequence_builder(tokenizer).creates_images else None
        options.setdefault("drop_prob", getattr(head, "drop_prob", 0.0) if head else 0.0)
        return cls(model.sequence_builder(tokenizer), mode, vision_preprocess=encoder.preprocess if encoder else None,
                   head_preprocess=head.preprocess if head else None, **options)

    def sequence(self, sample: dict[str, Any], rng: random.Random) -> Sequence:
        kind = sample.get("kind", "pair")
        if kind == "pair":
            mode = self.pair_modes[0] if len(self.pair_modes) == 1 else rng.choice(self.pair_modes)
            if mode == "comprehension":
                return self.builder.comprehension(sample["text"], rng.choice(self.prompts), sample["image"])
            caption = "" if rng.random() < self.drop_prob else sample["text"]
            return self.builder.creation(caption, sample["image"], learn_caption=self.creation_caption_loss)
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
        if sample.get("kind") == "preference":
            return self.preference(sample)
        rng = random.Random(zlib.crc32(f"{self.seed}-{sample['key']}".encode()))
        seq = self.sequence(sample, rng)
        out: dict[str, Any] = {"input_ids": torch.tensor(seq.input_ids), "labels": torch.tensor(seq.labels)}
        if seq.input_images:
            if self.vision_preprocess is None:
                raise ValueError("a sample has input images but the model has no vision encoder")
            out.update(self.vision_preprocess(seq.input_images))  # pixel_values (and image_patch_mask)
        if seq.dream_images:
            if self.head_preprocess is None:
                raise ValueError("a sample creates images but the model has no diffusion head")
            out["dream_pixel_values"] = self.head_preprocess(seq.dream_images)
        return out

    def preference(self, sample: dict[str, Any]) -> dict[str, Any]:
        """A preference pair: the chosen answer as `input_ids`/`labels`, the rejected one as `rejected_*`, the
        prompt's images once (both answers read them), and precomputed reference log-probabilities if given."""
        chosen, rejected = self.builder.preference(sample["prompt"], sample["images"], sample["chosen"],
                                                   sample["rejected"])
        out: dict[str, Any] = {"input_ids": torch.tensor(chosen.input_ids), "labels": torch.tensor(chosen.labels),
                               "rejected_input_ids": torch.tensor(rejected.input_ids),
                               "rejected_labels": torch.tensor(rejected.labels)}
        if chosen.input_images:
            if self.vision_preprocess is None:
                raise ValueError("a preference pair has images but the model has no vision encoder")
            out.update(self.vision_preprocess(chosen.input_images))
        for key in REFERENCE_KEYS:
            if (sample.get("meta") or {}).get(key) is not None:
                out[key] = float(sample["meta"][key])
        return out
