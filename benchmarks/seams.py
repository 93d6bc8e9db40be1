"""Do a tiled output's tile borders show? Scores a saved output against the photo it was made from.

    python benchmarks/seams.py OUTPUT PHOTO --tile PX

PHOTO is the content image at the output's size (results.py's big_content.png).
Prints e.g. ``0.999, above 46% of 63 non-border line sets (0.98-1.07)``; a
seam puts the first number above every set.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import torch

from dreamstyle.errors import DreamstyleError, InvalidArgumentError
from dreamstyle.imaging import read_image

# Lines of pixels that never change (flat 8-bit areas) have zero gradient
# energy; this floor, a quarter of one 8-bit step squared, keeps their log finite.
ENERGY_FLOOR = (0.5 / 255) ** 2


def line_log_energies(image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per line between two pixel columns, then between two rows: the mean log squared RGB step across it.

    Args:
        image: (3, H, W) RGB in [0, 1].

    Returns:
        ((W - 1,), (H - 1,)): entry j is the line between columns (rows) j and j + 1.
        A log, so that a few strong edges crossing a line do not outweigh the rest of it.
    """
    across_columns = (image[:, :, 1:] - image[:, :, :-1]).pow(2).sum(0)  # (H, W - 1)
    across_rows = (image[:, 1:, :] - image[:, :-1, :]).pow(2).sum(0)  # (H - 1, W)
    return (across_columns + ENERGY_FLOOR).log().mean(0), (across_rows + ENERGY_FLOOR).log().mean(1)


def line_set_excess(excess: tuple[torch.Tensor, torch.Tensor], tile: int, shift: int) -> float:
    """Mean of ``excess`` over the lines ``shift`` px after each tile border (the borders when 0), both axes."""
    picked = [per_line[edge - 1] for per_line in excess for edge in range(tile + shift, per_line.shape[0] + 1, tile)]
    return float(torch.stack(picked).mean())


def seam_verdict(image: torch.Tensor, photo: torch.Tensor, tile: int, period: int = 16) -> str:
    """Gradient energy along the tile borders against every other set of lines in phase with them.

    Each line's log energy is taken relative to the same line of ``photo``, so
    the picture's own edges cancel out: a resized photo can have more energy on
    some lines than on others (seen at 1024 px: the tile-256 borders of
    chelsea.png resized carry 1.4 times the energy of the lines in phase with
    them, with no transfer at all). The comparison sets are shifted from the borders by
    multiples of ``period`` (the backbone's deepest stride), because an
    optimised image has a faint pattern with that period that would otherwise
    count as a seam. The first number is the borders' energy over the median
    set's; it is about 1 when the borders look like their surroundings.

    Args:
        image: (3, H, W) the tiled output, RGB in [0, 1].
        photo: (3, H, W) the content image at the same size.
        tile: the tile side in px.
    """
    if image.shape != photo.shape:
        raise InvalidArgumentError(f"the output is {tuple(image.shape)} but the photo is {tuple(photo.shape)}: "
                                   "give the photo at the output's size")
    if not period < tile < max(image.shape[-2:]):
        raise InvalidArgumentError(f"tile {tile} leaves no borders to score: give the tile side the output was "
                                   f"made with, more than {period} px and less than the image's longest side")
    excess = tuple(out - ref for out, ref in zip(line_log_energies(image), line_log_energies(photo)))
    null = sorted(line_set_excess(excess, tile, shift) for shift in range(period, tile, period))
    median = null[len(null) // 2]
    border = line_set_excess(excess, tile, 0)
    above = sum(value < border for value in null) / len(null)
    return (f"{math.exp(border - median):.3f}, above {above:.0%} of {len(null)} non-border line sets "
            f"({math.exp(null[0] - median):.2f}-{math.exp(null[-1] - median):.2f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path)
    parser.add_argument("photo", type=Path)
    parser.add_argument("--tile", type=int, required=True)
    args = parser.parse_args()
    try:
        print(seam_verdict(read_image(args.output).batch()[0], read_image(args.photo).batch()[0], args.tile))
    except DreamstyleError as error:
        sys.exit(f"Error: {error}")


if __name__ == "__main__":
    main()
