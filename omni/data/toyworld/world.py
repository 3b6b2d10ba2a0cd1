"""The toy world: 64×64 images of one coloured shape, with captions, generated deterministically from a seed.

Every sample is a pure function of (seed, index), so any subset can be regenerated in any order or in parallel, and
the world's whole vocabulary is known in advance (which is what lets a tiny tokenizer and LLM cover it).
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass

from PIL import Image, ImageDraw

COLORS: dict[str, tuple[int, int, int]] = {
    "red": (220, 30, 30), "green": (30, 170, 50), "blue": (30, 60, 220), "yellow": (235, 210, 20),
    "purple": (140, 40, 180), "orange": (245, 130, 20), "black": (20, 20, 20), "cyan": (20, 200, 210),
}
SHAPES = ("circle", "square", "triangle")
SIZES = {"small": 9, "large": 17}  # half-extent in pixels at 64 px
POSITIONS = {
    "top left": (0, 0), "top": (1, 0), "top right": (2, 0),
    "left": (0, 1), "center": (1, 1), "right": (2, 1),
    "bottom left": (0, 2), "bottom": (1, 2), "bottom right": (2, 2),
}
BACKGROUND = (245, 245, 240)
CAPTION_PROMPTS = ("Describe the image.", "What is in the picture?", "Write a caption for this image.")


@dataclass(frozen=True)
class Scene:
    color: str
    shape: str
    size: str
    position: str

    def caption(self) -> str:
        return f"a {self.size} {self.color} {self.shape} {where(self.position)}"

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


def all_scenes() -> list[Scene]:
    return [Scene(c, s, z, p) for c in COLORS for s in SHAPES for z in SIZES for p in POSITIONS]


def heldout_scenes(seed: int = 0, fraction: float = 0.1) -> frozenset[Scene]:
    """Attribute combinations never shown in training: the test of compositional generalisation."""
    scenes = all_scenes()
    random.Random(f"heldout-{seed}").shuffle(scenes)
    return frozenset(scenes[: round(len(scenes) * fraction)])


def random_scene(rng: random.Random) -> Scene:
    return Scene(rng.choice(list(COLORS)), rng.choice(SHAPES), rng.choice(list(SIZES)), rng.choice(list(POSITIONS)))


def sample_scene(seed: int, index: int, exclude: frozenset[Scene] = frozenset()) -> Scene:
    """Scene number `index` of the world `seed`, redrawn (deterministically) while it falls in `exclude`."""
    rng = random.Random(f"scene-{seed}-{index}")
    scene = random_scene(rng)
    while scene in exclude:
        scene = random_scene(rng)
    return scene


def render(scene: Scene, image_size: int = 64, jitter_seed: str | None = None) -> Image.Image:
    """Draw `scene`; `jitter_seed` moves the shape by a pixel or two so that images of one scene are not identical."""
    scale = image_size / 64
    image = Image.new("RGB", (image_size, image_size), BACKGROUND)
    draw = ImageDraw.Draw(image)
    column, row = POSITIONS[scene.position]
    rng = random.Random(jitter_seed) if jitter_seed is not None else None
    dx, dy = (rng.randint(-2, 2), rng.randint(-2, 2)) if rng else (0, 0)
    cx, cy = (column * 21 + 11 + dx) * scale, (row * 21 + 11 + dy) * scale
    r = SIZES[scene.size] * scale * (0.75 if scene.size == "large" else 1.0)
    draw_shape(draw, scene.shape, cx, cy, r, COLORS[scene.color])
    return image


def draw_shape(draw: ImageDraw.ImageDraw, shape: str, cx: float, cy: float, r: float, color: tuple[int, int, int]) -> None:
    """One toy shape of half-extent `r` centred on (cx, cy): every image of the toy world draws its shapes so."""
    box = (cx - r, cy - r, cx + r, cy + r)
    if shape == "circle":
        draw.ellipse(box, fill=color)
    elif shape == "square":
        draw.rectangle(box, fill=color)
    else:
        draw.polygon([(cx, cy - r), (cx - r, cy + r), (cx + r, cy + r)], fill=color)


def where(position: str) -> str:
    return "in the center" if position == "center" else f"at the {position}"
