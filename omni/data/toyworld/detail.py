"""Detail canvases: larger toy images (128×64, 64×128, 128×128) holding two to four shapes of distinct colours, some
small enough that one low-resolution view of the whole canvas loses them.

This is what any-resolution encoding is for (xGen-MM, LLaVA-NeXT): small shapes are drawn at the toy world's small
size (18 px across, a size the toy encoders learnt), so a 64 px crop of the canvas shows one as the encoder knows it,
while one view of the whole canvas resized to 64 px halves it (in width only, on a stretched 128×64) to 9 px. Shapes
sit at the centres of a grid of 32 px cells, so a crop of the canvas never cuts one. (Smaller shapes were tried
first, 10 px across: no encoder had seen anything that small, so even the crops could not be read, and any-resolution
and one view both answered at chance, 33.9% and 34.7%: docs/xgen_mm.md.) A question names a shape by its colour
(unique on the canvas) and asks what it is; the target's size says whether it is a small-detail question.
Everything is a pure function of (seed, index).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from PIL import Image, ImageDraw

from omni.data.toyworld.world import BACKGROUND, COLORS, SHAPES, draw_shape

CANVASES = ((128, 64), (64, 128), (128, 128))  # (width, height): grids 1×2, 2×1 and 2×2 of 64 px crops
CELL = 32
# half-extent in pixels on the canvas: small as the toy world's small shapes (world.SIZES), large as a 32 px cell allows
DETAIL_RADII = {"small": 9, "large": 13}
SHAPE_QUESTION = "What shape is the {color} one?"
COUNT_QUESTION = "Count the shapes in the picture."  # the world's tokenizer has no "H" (alignment.py)
COUNT_WORDS = {2: "two", 3: "three", 4: "four"}


@dataclass(frozen=True)
class Placed:
    color: str
    shape: str
    size: str
    cell: tuple[int, int]  # (column, row) of 32 px cells


@dataclass(frozen=True)
class DetailCanvas:
    width: int
    height: int
    shapes: tuple[Placed, ...]

    def to_dict(self) -> dict:
        return {"width": self.width, "height": self.height,
                "shapes": [{"color": s.color, "shape": s.shape, "size": s.size, "cell": list(s.cell)} for s in self.shapes]}


def sample_canvas(seed: int, index: int) -> DetailCanvas:
    """Canvas number `index` of world `seed`: a canvas size, 2-4 shapes in distinct cells with distinct colours, at
    least one of them small."""
    rng = random.Random(f"detail-{seed}-{index}")
    width, height = rng.choice(CANVASES)
    cells = [(c, r) for r in range(height // CELL) for c in range(width // CELL)]
    count = rng.randint(2, min(4, len(cells)))
    sizes = ["small"] + [rng.choice(list(DETAIL_RADII)) for _ in range(count - 1)]
    rng.shuffle(sizes)
    colors = rng.sample(list(COLORS), count)
    shapes = tuple(Placed(color, rng.choice(SHAPES), size, cell)
                   for color, size, cell in zip(colors, sizes, rng.sample(cells, count)))
    return DetailCanvas(width, height, shapes)


def render_canvas(canvas: DetailCanvas) -> Image.Image:
    image = Image.new("RGB", (canvas.width, canvas.height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    for placed in canvas.shapes:
        cx, cy = placed.cell[0] * CELL + CELL / 2, placed.cell[1] * CELL + CELL / 2
        draw_shape(draw, placed.shape, cx, cy, DETAIL_RADII[placed.size], COLORS[placed.color])
    return image


def detail_question(canvas: DetailCanvas, rng: random.Random) -> tuple[str, str, dict]:
    """A question about `canvas`, its answer, and what it tests: four in five ask the shape of the one of a colour
    (half of them about a small one), one in five how many shapes there are."""
    if rng.random() < 0.2:
        return COUNT_QUESTION, COUNT_WORDS[len(canvas.shapes)], {"kind": "count", "target_size": None}
    size = rng.choice(list(DETAIL_RADII))
    candidates = [s for s in canvas.shapes if s.size == size] or list(canvas.shapes)
    target = rng.choice(candidates)
    return SHAPE_QUESTION.format(color=target.color), target.shape, {"kind": "shape", "target_size": target.size}


def detail_texts() -> list[str]:
    """Every question and answer of the detail canvases."""
    return ([SHAPE_QUESTION.format(color=c) for c in COLORS] + [COUNT_QUESTION] + list(COUNT_WORDS.values())
            + list(SHAPES))
