"""Two-picture questions: what a model can only answer by reading both images of a conversation (xGen-MM's
multi-image SFT in the toy world).

- "which": one picture shows the named scene and the other a different one: "Which picture shows a red circle?" →
  "the first" / "the second".
- "changed": the second picture is the first with one attribute changed (a story event): "What changed between the
  pictures?" → "the color" / "the shape" / "how big it is" / "the position".

Pure functions of (scene, rng), like the rest of the toy world's language.
"""

from __future__ import annotations

import random
from dataclasses import replace

from omni.data.toyworld.text import article
from omni.data.toyworld.world import COLORS, POSITIONS, SHAPES, SIZES, Scene

WHICH_QUESTION = "Which picture shows {article} {color} {shape}?"
CHANGED_QUESTION = "What changed between the pictures?"
ORDINALS = ("the first", "the second")
CHANGES = ("color", "shape", "size", "position")
# "the size" cannot be spelled with the world tokenizer's pieces (it has no "z"): that answer came out as "the sie"
CHANGE_ANSWERS = {"color": "the color", "shape": "the shape", "size": "how big it is", "position": "the position"}
_VALUES = {"color": list(COLORS), "shape": list(SHAPES), "size": list(SIZES), "position": list(POSITIONS)}


def changed(scene: Scene, attribute: str, rng: random.Random) -> Scene:
    """`scene` with `attribute` set to another of its values."""
    return replace(scene, **{attribute: rng.choice([v for v in _VALUES[attribute] if v != getattr(scene, attribute)])})


def two_picture_question(scene: Scene, rng: random.Random) -> tuple[list[Scene], str, str, str]:
    """(the two scenes, the question, its answer, its kind): half "which", half "changed"."""
    if rng.random() < 0.5:
        # the other picture differs in colour or shape, so that the question's colour-and-shape picks exactly one
        other = changed(scene, rng.choice(("color", "shape")), rng)
        first = rng.random() < 0.5
        question = WHICH_QUESTION.format(article=article(scene.color), color=scene.color, shape=scene.shape)
        return ([scene, other] if first else [other, scene]), question, ORDINALS[0 if first else 1], "which"
    attribute = rng.choice(CHANGES)
    return [scene, changed(scene, attribute, rng)], CHANGED_QUESTION, CHANGE_ANSWERS[attribute], "changed"


def multi_texts() -> list[str]:
    """Every question and answer of the two-picture task."""
    questions = {WHICH_QUESTION.format(article=article(c), color=c, shape=s) for c in COLORS for s in SHAPES}
    return sorted(questions) + [CHANGED_QUESTION, *ORDINALS] + list(CHANGE_ANSWERS.values())
