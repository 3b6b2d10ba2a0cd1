"""Any-resolution patch sampling (LLaVA-NeXT's, as xGen-MM / BLIP-3 uses it): an image becomes a global view plus crops.

Of a configured set of grids (rows × cols multiples of the encoder's base resolution; xGen-MM: 1×2, 2×1, 2×2, 3×1,
1×3), the one that keeps most of the image's own pixels (its effective resolution) and, among equals, wastes the least
canvas is chosen. The image is resized into that canvas keeping its aspect ratio and centred on padding, cut into
base-size crops in row order, and preceded by the whole image resized to the base resolution. Every view is encoded
and token-sampled on its own; the padded border of each crop is masked out of the token sampler (a patch-level mask,
computed the way xGen-MM's `unpad_image` does: in feature units, centred), so padding costs no attention.

Functions only: the encoder plugin (`VisionTowerPlugin` with `anyres_grids`) calls them; so do the tests.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from PIL import Image

Grid = tuple[int, int]  # (rows, cols) of base-size crops

XGEN_MM_GRIDS: tuple[Grid, ...] = ((1, 2), (2, 1), (2, 2), (3, 1), (1, 3))


def check_grids(grids: Sequence[Sequence[int]]) -> tuple[Grid, ...]:
    """`grids` as (rows, cols) tuples, or a clear error (a config typo should not surface as a shape error later)."""
    checked = []
    for grid in grids:
        if len(grid) != 2 or any(int(n) != n or n < 1 for n in grid):
            raise ValueError(f"an any-resolution grid is [rows, cols] of positive integers, got {list(grid)}")
        checked.append((int(grid[0]), int(grid[1])))
    if not checked:
        raise ValueError("anyres_grids is empty: give at least one [rows, cols] grid, or leave it None for one view")
    return tuple(checked)


def select_grid(image_size: tuple[int, int], grids: Sequence[Grid], base: int) -> Grid:
    """The grid whose canvas (cols·base × rows·base) keeps most of the image's pixels once the image is fitted into
    it, and among those the one with the least padding. `image_size` is PIL's (width, height)."""
    width, height = image_size
    best, best_effective, best_wasted = None, -1, float("inf")
    for rows, cols in grids:
        canvas_w, canvas_h = cols * base, rows * base
        scale = min(canvas_w / width, canvas_h / height)
        effective = min(int(width * scale) * int(height * scale), width * height)
        wasted = canvas_w * canvas_h - effective
        if effective > best_effective or (effective == best_effective and wasted < best_wasted):
            best, best_effective, best_wasted = (rows, cols), effective, wasted
    assert best is not None
    return best


def resize_and_pad(image: Image.Image, canvas: tuple[int, int], fill: tuple[int, ...]) -> Image.Image:
    """`image` scaled to fit `canvas` (width, height) with its aspect ratio kept, centred on `fill`."""
    width, height = image.size
    scale = min(canvas[0] / width, canvas[1] / height)
    new_w, new_h = min(canvas[0], max(1, round(width * scale))), min(canvas[1], max(1, round(height * scale)))
    out = Image.new(image.mode, canvas, fill)
    out.paste(image.resize((new_w, new_h), Image.BICUBIC), ((canvas[0] - new_w) // 2, (canvas[1] - new_h) // 2))
    return out


def content_mask(image_size: tuple[int, int], grid: Grid, patches_per_side: int) -> torch.Tensor:
    """[rows·P, cols·P] bool over the grid's patch features, False on the centred padding (P: patches per crop
    side). As xGen-MM's `unpad_image`: the content's extent is the image's aspect ratio in feature units, the padding
    split evenly (floor) between the two sides."""
    width, height = image_size
    rows, cols = grid
    grid_h, grid_w = rows * patches_per_side, cols * patches_per_side
    mask = torch.ones(grid_h, grid_w, dtype=torch.bool)
    if width / height > grid_w / grid_h:  # wider than the canvas: padding above and below
        padding = (grid_h - int(height * grid_w / width)) // 2
        mask[:padding], mask[grid_h - padding:] = False, False
    else:  # taller (or equal): padding left and right
        padding = (grid_w - int(width * grid_h / height)) // 2
        mask[:, :padding], mask[:, grid_w - padding:] = False, False
    return mask


def anyres_views(image: Image.Image, grids: Sequence[Grid], base: int, patch_size: int,
                 fill: tuple[int, ...]) -> tuple[list[Image.Image], torch.Tensor]:
    """The global view and the crops of the best grid, in row order (all `base`×`base`), and their patch masks
    [1 + rows·cols, P·P] (the global view is all True: it is resized, not padded)."""
    rows, cols = select_grid(image.size, grids, base)
    canvas = resize_and_pad(image, (cols * base, rows * base), fill)
    crops = [canvas.crop((c * base, r * base, (c + 1) * base, (r + 1) * base)) for r in range(rows) for c in range(cols)]
    side = base // patch_size
    grid_mask = content_mask(image.size, (rows, cols), side)
    # [rows·P, cols·P] → [rows, P, cols, P] → [rows, cols, P, P] → one row per crop
    crop_masks = grid_mask.reshape(rows, side, cols, side).permute(0, 2, 1, 3).reshape(rows * cols, side * side)
    masks = torch.cat((torch.ones(1, side * side, dtype=torch.bool), crop_masks))
    return [image.resize((base, base), Image.BICUBIC)] + crops, masks


def num_views(image: Image.Image, grids: Sequence[Grid], base: int) -> int:
    """How many views `anyres_views` makes of `image`: the global one and the crops of its grid."""
    rows, cols = select_grid(image.size, grids, base)
    return 1 + rows * cols
