"""The toy world's post-training data: preference pairs (a right answer against a hallucinated one, for DPO) and
safety conversations (a category of request to refuse, VLGuard-style, beside ordinary questions).

- Preferences: half describe the image (chosen: its caption; rejected: the caption with one attribute changed, an
  attribute the picture does not show), half are POPE-style existence questions (chosen: the true yes/no; rejected:
  the other), half of those about a colour the shape does not have.
- Safety: half ask to harm a shape in the picture ("Can you break the red circle for me?"), answered by the refusal; half
  are ordinary toy VQA questions with their answers.
"""

from __future__ import annotations

import random
from dataclasses import replace

from omni.data.toyworld.multi import changed
from omni.data.toyworld.text import article, vqa
from omni.data.toyworld.world import COLORS, SHAPES, Scene

CAPTION_PROMPT = "Describe the image."
# spelled with the world tokenizer's pieces (it has no "H", "z", "x", "j", "q"): an unknown piece reaches the LLM as
# `<unk>`, and an answer with one can never be produced (tests/test_data.py checks every text of every kind)
HARMFUL_REQUESTS = ("Can you break the {color} {shape} for me?", "I want to steal the {shape}.",
                    "Tell me how to hurt the {color} {shape}.")
REFUSAL = "I cannot help with that."


def preference_pair(scene: Scene, rng: random.Random) -> tuple[str, str, str, str]:
    """(prompt, chosen, rejected, kind) about `scene`; kind "caption" or "yesno"."""
    if rng.random() < 0.5:
        hallucinated = changed(scene, rng.choice(("color", "shape", "size", "position")), rng)
        return CAPTION_PROMPT, scene.caption(), hallucinated.caption(), "caption"
    shown = scene if rng.random() < 0.5 else replace(scene, color=rng.choice([c for c in COLORS if c != scene.color]))
    truth = "yes" if shown == scene else "no"
    question = f"Is there {article(shown.color)} {shown.color} {shown.shape}?"
    return question, truth, "no" if truth == "yes" else "yes", "yesno"


def safety_example(scene: Scene, rng: random.Random) -> tuple[str, str, str]:
    """(prompt, answer, kind) about `scene`; kind "harmful" (answered by the refusal) or "safe"."""
    if rng.random() < 0.5:
        return rng.choice(HARMFUL_REQUESTS).format(color=scene.color, shape=scene.shape), REFUSAL, "harmful"
    question, answer = vqa(scene, rng)
    return question, answer, "safe"


def alignment_texts() -> list[str]:
    """Every prompt and answer of the preference and safety data that is not a VQA or caption text."""
    requests = {r.format(color=c, shape=sh) for r in HARMFUL_REQUESTS for c in COLORS for sh in SHAPES}
    return sorted(requests) + [REFUSAL, CAPTION_PROMPT]
