"""Contact sheets: many small labelled tiles in one picture."""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from PIL import Image, ImageDraw, ImageFont

from .picture import to_uint8
from .resize import fit_longest_side, resize

LABEL_HEIGHT = 14
GAP = 4
BACKGROUND = (24, 24, 24)
INK = (230, 230, 230)


def contact_sheet(
    tiles: torch.Tensor, labels: Sequence[str], tile_size: int = 128, columns: int | None = None
) -> Image.Image:
    """Lay (K, C, h, w) tiles (C = 1 or 3, values in [0, 1]) out in a grid, each labelled below.

    Args:
        tiles: the images, all the same size; scaled so their longer side is ``tile_size`` px.
        labels: one short text per tile.
        tile_size: side of each tile in the sheet.
        columns: tiles per row; default makes the sheet roughly square.
    """
    count = int(tiles.shape[0])
    if count != len(labels):
        raise ValueError(f"{count} tiles but {len(labels)} labels")
    columns = columns or max(1, math.ceil(math.sqrt(count)))
    rows = max(1, math.ceil(count / columns))
    tile_h, tile_w = fit_longest_side(tiles.shape[-2], tiles.shape[-1], tile_size)
    cell_w, cell_h = tile_w + GAP, tile_h + LABEL_HEIGHT + GAP
    sheet = Image.new("RGB", (columns * cell_w + GAP, rows * cell_h + GAP), BACKGROUND)
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.load_default()
    scaled = resize(tiles.float().expand(-1, 3, -1, -1), (tile_h, tile_w))
    for position, (tile, label) in enumerate(zip(scaled, labels)):
        left = GAP + (position % columns) * cell_w
        top = GAP + (position // columns) * cell_h
        sheet.paste(Image.fromarray(to_uint8(tile)), (left, top))
        draw.text((left, top + tile_h + 1), label, fill=INK, font=font)
    return sheet
