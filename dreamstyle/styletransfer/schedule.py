"""The coarse-to-fine schedule of a transfer: the size, iterations and content weight of each scale.

Where it departs from Gatys et al. (who optimise at the output size alone,
from noise): the picture is laid out at a small size first, where the deep
layers see the whole photo, with the content weight boosted there so the
layout keeps the photo's shapes; each finer scale refines the one before.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..estimate import Cost
from ..imaging.resizing import fit_longest_side
from .config import TransferConfig


def scale_sizes(height: int, width: int, scales: int, start_size: int) -> list[tuple[int, int]]:
    """(H, W) of each scale: longest sides geometric from ``start_size`` to the output's, ending exactly at it."""
    longest = max(height, width)
    first = min(start_size, longest)
    sides = [round(first * (longest / first) ** (i / (scales - 1))) for i in range(scales)] if scales > 1 else [longest]
    sizes = [fit_longest_side(height, width, side) for side in sides[:-1]] + [(height, width)]
    return list(dict.fromkeys(sizes))


@dataclass(frozen=True)
class Scale:
    """One scale of the coarse-to-fine schedule.

    Attributes:
        size: (H, W) of the image at this scale.
        iterations: optimiser iterations here.
        content_weight: the content loss's weight here.
    """

    size: tuple[int, int]
    iterations: int
    content_weight: float


def scale_schedule(height: int, width: int, config: TransferConfig) -> list[Scale]:
    """The scales of a run at output size (H, W) = (``height``, ``width``).

    Sizes come from :func:`scale_sizes`. Of several scales, the coarser run
    ``config.coarse_iterations`` and the last ``config.final_iterations``; a
    single scale runs ``config.iterations``. The content weight is
    ``coarse_content_boost`` times larger at the first scale, falling
    geometrically to ``content_weight`` at the last.
    """
    sizes = scale_sizes(height, width, config.scales, config.start_size)
    last = len(sizes) - 1
    iterations = [config.coarse_iterations] * last + [config.final_iterations] if last else [config.iterations]
    return [Scale(size, iterations[index],
                  config.content_weight * config.coarse_content_boost ** ((last - index) / last if last else 0.0))
            for index, size in enumerate(sizes)]


def transfer_cost(height: int, width: int, config: TransferConfig) -> Cost:
    """What a transfer of (H, W) costs: its layers, and (height, width, iterations) of each scale."""
    schedule = scale_schedule(height, width, config)
    return Cost(tuple(config.layer_names), tuple((*scale.size, scale.iterations) for scale in schedule))


def total_iterations(schedule: Sequence[Scale]) -> int:
    """Optimiser iterations a run makes over all the steps of ``schedule`` (what its progress counts to)."""
    return sum(scale.iterations for scale in schedule)
