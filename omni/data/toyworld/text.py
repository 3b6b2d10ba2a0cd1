"""The toy world's language: questions and answers, drawing instructions, short stories, and chat templates.

Everything is a pure function of a scene and a seeded RNG, and `all_texts` enumerates the sentences the world can
produce, which is the corpus its tokenizer and its toy LLM are trained on.
"""

from __future__ import annotations

import random
import re
from dataclasses import replace

from omni.data.toyworld.world import (
    CAPTION_PROMPTS,
    COLORS,
    POSITIONS,
    SHAPES,
    SIZES,
    Scene,
    all_scenes,
    random_scene,
    where,
)

QUESTIONS = {
    "color": "What color is the shape?",
    "shape": "What shape is it?",
    "size": "Is the shape small or large?",
    "position": "Where is the shape?",
}
INSTRUCTIONS = ("Draw {caption}.", "Create an image of {caption}.", "Show me {caption}.")
STORY_REQUEST = "Tell a short story about {caption}, with pictures."
SYSTEM_PROMPT = "A chat between a user and an assistant."


def article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def vqa(scene: Scene, rng: random.Random, kind: str | None = None) -> tuple[str, str]:
    """One question about `scene` and its answer; a quarter are yes/no questions, half of them with answer no.

    `kind` ("yes/no" or a key of QUESTIONS) asks that kind of question instead of drawing one."""
    if kind == "yes/no" or (kind is None and rng.random() < 0.25):
        shown = scene if rng.random() < 0.5 else replace(scene, color=rng.choice([c for c in COLORS if c != scene.color]))
        return f"Is there {article(shown.color)} {shown.color} {shown.shape}?", "yes" if shown == scene else "no"
    kind = kind or rng.choice(list(QUESTIONS))
    answer = where(scene.position) if kind == "position" else getattr(scene, kind)
    return QUESTIONS[kind], answer


def instruction(scene: Scene, rng: random.Random) -> str:
    return rng.choice(INSTRUCTIONS).format(caption=scene.caption())


def _event(scene: Scene, rng: random.Random) -> tuple[str, Scene]:
    kind = rng.choice(("move", "color", "size"))
    if kind == "move":
        position = rng.choice([p for p in POSITIONS if p != scene.position])
        return f"The {scene.shape} moves to the {position}." if position != "center" else f"The {scene.shape} moves to the center.", replace(scene, position=position)
    if kind == "color":
        color = rng.choice([c for c in COLORS if c != scene.color])
        return f"Then the {scene.shape} turns {color}.", replace(scene, color=color)
    size = "large" if scene.size == "small" else "small"
    return f"Now the {scene.shape} is {size}.", replace(scene, size=size)


def story(rng: random.Random, start: Scene | None = None, events: int | None = None) -> list[tuple[str, Scene]]:
    """A short story: an opening sentence and 1–3 events, each followed by the picture of the new state."""
    scene = start or random_scene(rng)
    steps = [(f"There is {scene.caption()}.", scene)]
    for _ in range(events if events is not None else rng.randint(1, 3)):
        sentence, scene = _event(scene, rng)
        steps.append((sentence, scene))
    return steps


_COLOR, _SHAPE, _SIZE = "|".join(COLORS), "|".join(SHAPES), "|".join(SIZES)
_PLACE = "|".join(sorted(POSITIONS, key=len, reverse=True))
_OPENING = re.compile(rf"There is an? ({_SIZE}) ({_COLOR}) ({_SHAPE}) (?:at the ({_PLACE})|in the (center))\.")
_EVENTS = (
    (re.compile(rf"The ({_SHAPE}) moves to the ({_PLACE})\."), "position"),
    (re.compile(rf"Then the ({_SHAPE}) turns ({_COLOR})\."), "color"),
    (re.compile(rf"Now the ({_SHAPE}) is ({_SIZE})\."), "size"),
)


def read_story(text: str) -> Scene | None:
    """The scene a story in the world's grammar describes at its end: the inverse of `story`, used to judge the images
    of freely generated documents. None when the text does not follow the grammar (or names another shape)."""
    sentences = [s.strip() + "." for s in text.strip().split(".") if s.strip()]
    if not sentences or not (opening := _OPENING.fullmatch(sentences[0])):
        return None
    size, color, shape, position, center = opening.groups()
    scene = Scene(color, shape, size, position or center)
    for sentence in sentences[1:]:
        for pattern, attribute in _EVENTS:
            if (match := pattern.fullmatch(sentence)) and match.group(1) == scene.shape:
                scene = replace(scene, **{attribute: match.group(2)})
                break
        else:
            return None
    return scene


def all_texts() -> list[str]:
    """Every sentence the toy world can produce: the corpus of its tokenizer and toy LLM."""
    texts = list(CAPTION_PROMPTS) + list(QUESTIONS.values()) + [SYSTEM_PROMPT, "USER:", "ASSISTANT:", "yes", "no"]
    for scene in all_scenes():
        caption = scene.caption()
        texts += [caption, f"There is {caption}.", STORY_REQUEST.format(caption=caption)]
        texts += [template.format(caption=caption) for template in INSTRUCTIONS]
        texts += [f"Is there {article(scene.color)} {scene.color} {scene.shape}?"]
    for shape in SHAPES:
        texts += [f"The {shape} moves to the {p}." for p in POSITIONS if p != "center"] + [f"The {shape} moves to the center."]
        texts += [f"Then the {shape} turns {c}." for c in COLORS] + [f"Now the {shape} is {z}." for z in SIZES]
    return sorted(set(texts))
