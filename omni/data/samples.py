"""The typed samples every reader yields, one schema per `DatasetType`, whatever the storage (tars, JSON, Hugging
Face): builders and transforms depend on these fields only, never on how a dataset was stored."""

from __future__ import annotations

from typing import Any, Literal, TypedDict

from PIL import Image


class PairSample(TypedDict):
    kind: Literal["pair"]
    image: Image.Image
    text: str  # the caption, stripped, never empty
    key: str
    meta: dict[str, Any] | None


class TextSample(TypedDict):
    kind: Literal["text"]
    text: str
    key: str
    meta: dict[str, Any] | None


class ConversationSample(TypedDict):
    kind: Literal["conversation"]
    conversations: list[dict[str, str]]  # LLaVA turns {from: human|gpt, value}; `<image>`/`<dream>` place `images`
    images: list[Image.Image]  # as many as placeholders, in order of appearance
    key: str
    meta: dict[str, Any] | None


class InterleavedSample(TypedDict):
    kind: Literal["interleaved"]
    text_list: list[str]  # MMC4's sentences (or paragraphs), never empty
    images: list[Image.Image]
    matched_text_index: list[int]  # per image: the sentence it follows
    key: str
    meta: dict[str, Any] | None


class InstructionInterleavedSample(InterleavedSample):
    """An interleaved document that answers an instruction: learnt as [user: instruction, assistant: document]."""

    instruction: str
