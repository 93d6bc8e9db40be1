"""Contact sheets: many small labelled tiles in one picture."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from PIL import Image, ImageDraw, ImageFont

from .picture import to_uint8
from .resizing import fit_longest_side, resize

LABEL_HEIGHT = 14
GAP = 4
BACKGROUND = (24, 24, 24)
INK = (230, 230, 230)


@dataclass(frozen=True)
class SheetLayout:
    """Where a contact sheet puts its tiles.

    Attributes:
        size: (width, height) of the sheet in px.
        tile: (h, w) of each tile in px.
        corners: (left, top) of each tile, in order.
    """

    size: tuple[int, int]
    tile: tuple[int, int]
    corners: tuple[tuple[int, int], ...]


def sheet_layout(count: int, tile_hw: tuple[int, int], tile_size: int = 128, columns: int | None = None
                 ) -> SheetLayout:
    """The layout :func:`contact_sheet` draws for ``count`` tiles of (h, w) ``tile_hw`` (the arguments as there)."""
    columns = columns or max(1, math.ceil(math.sqrt(count)))
    rows = max(1, math.ceil(count / columns))
    tile_h, tile_w = fit_longest_side(*tile_hw, tile_size)
    cell_w, cell_h = tile_w + GAP, tile_h + LABEL_HEIGHT + GAP
    corners = tuple((GAP + (position % columns) * cell_w, GAP + (position // columns) * cell_h)
                    for position in range(count))
    return SheetLayout((columns * cell_w + GAP, rows * cell_h + GAP), (tile_h, tile_w), corners)


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
    layout = sheet_layout(count, (int(tiles.shape[-2]), int(tiles.shape[-1])), tile_size, columns)
    tile_h, tile_w = layout.tile
    sheet = Image.new("RGB", layout.size, BACKGROUND)
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.load_default()
    scaled = resize(tiles.float().expand(-1, 3, -1, -1), (tile_h, tile_w))
    for (left, top), tile, label in zip(layout.corners, scaled, labels):
        sheet.paste(Image.fromarray(to_uint8(tile)), (left, top))
        draw.text((left, top + tile_h + 1), label, fill=INK, font=font)
    return sheet
