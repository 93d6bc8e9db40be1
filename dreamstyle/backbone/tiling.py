"""Tiled gradients: peak memory set by the tile size, not the image size. Both engines use them.

The image is cut into tiles. Each tile is run through the network with a
margin of context around it (half the receptive field of the deepest layer),
so the activations *centred in the tile* come out exactly as in the whole
image; an objective counts only those activations (:func:`in_window`), and
the tile's gradient with respect to its whole crop is added into the image's
gradient. Every activation is counted by exactly one tile, so any objective
that is a sum over activation positions gives the untiled gradient (exact up
to the margin cap for very deep layers). Tiles, margins and grid offsets are
multiples of the deepest layer's stride, so a crop's activation grid lines up
with the whole image's.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

from ..runtime import available_memory, compute_dtype, memory_ceiling
from .features import VGGFeatures, positions_by_channels

# Activations centred within this many px of a crop's edge see the crop's zero
# padding instead of the neighbouring pixels; margins beyond it cost more than
# they correct for the deepest layers.
MAX_MARGIN = 128

# Peak memory of a forward and backward pass, relative to one copy of the
# activations up to the deepest layer: enough for shallow layers, an
# overestimate for deep ones (benchmarks/RESULTS.md, "Where the constants come from").
BACKWARD_FACTOR = 1.3
# Share of the memory left beside the image's own working set that one tile
# may use, and a ceiling on the CPU. There, bigger tiles barely speed up a
# dream step (its convolutions are already large), but a tiled transfer
# evaluation costs about twice an untiled one (two passes, relu5_1's wide
# margins; benchmarks/RESULTS.md). On a GPU only the share of free VRAM
# bounds a tile (see :func:`~dreamstyle.runtime.memory_ceiling`).
MEMORY_FRACTION = 0.4
MAX_TILE_BYTES = 2**30
# A huge image's own full-size float32 copies, which exist whatever the tile:
# the image, the dreamed image, its rolled copy and the gradient (the Laplacian
# smoothing works in the gradient's memory).
WORKING_COPIES = 4
MIN_TILE = 128


# (top, bottom, left, right) in pixels: a rectangle of an image or a crop.
Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class Window:
    """One tile: ``outer`` is what the network sees, ``inner`` whose activations the tile counts.

    Both are boxes (:data:`Box`) in image pixels.
    """

    @property
    def inner_in_crop(self) -> Box:
        """``inner`` relative to the crop ``outer``."""
        top, _, left, _ = self.outer
        return (self.inner[0] - top, self.inner[1] - top, self.inner[2] - left, self.inner[3] - left)

    inner: Box
    outer: Box


def in_window(activation: torch.Tensor, stride: int, window: Box | None) -> torch.Tensor:
    """The activations (N, C, h, w) centred in ``window`` = (top, bottom, left, right) crop px, multiples of ``stride``."""
    if window is None:
        return activation
    top, bottom, left, right = (bound // stride for bound in window)
    return activation[..., top:bottom, left:right]


def rows_in_window(activation: torch.Tensor, stride: int, window: Box | None) -> torch.Tensor:
    """The activations (N, C, h, w) centred in ``window`` as (N, P, C) rows, one per position (see :func:`in_window`).

    A copy when the window cuts the width, else a view.
    """
    return positions_by_channels(in_window(activation, stride, window))


def activation_bytes_per_pixel(net: VGGFeatures, layers: Sequence[str], element_size: int = 4) -> float:
    """Bytes of activation memory one input pixel costs in a forward and backward pass."""
    deepest = max(net.spec(name).index for name in layers)
    elements = sum(spec.channels / spec.stride**2 for spec in net.specs[: deepest + 1])
    return (elements + 3) * element_size * BACKWARD_FACTOR


def tile_stride(net: VGGFeatures, layers: Sequence[str]) -> int:
    """Tiles, margins and offsets are multiples of this (the deepest layer's stride)."""
    return max(net.spec(name).stride for name in layers)


def tile_margin(net: VGGFeatures, layers: Sequence[str]) -> int:
    """Context around a tile: half the deepest layer's receptive field, capped, in whole strides."""
    field = max(net.spec(name).receptive_field for name in layers)
    stride = tile_stride(net, layers)
    return math.ceil(min(MAX_MARGIN, field // 2 + 1) / stride) * stride


def choose_tile(net: VGGFeatures, layers: Sequence[str], size: tuple[int, int], requested: int | None,
                untiled_bytes: float = MAX_TILE_BYTES) -> int:
    """Tile side in px for an image of ``size`` = (H, W), or 0 for no tiling.

    ``requested`` None picks automatically from the memory available on the
    net's device (free RAM on the CPU, free VRAM on a GPU); 0 never tiles; a
    number tiles with that side whenever the image is larger. An engine whose
    tiles cost more than their pixels may run an image whole up to
    ``untiled_bytes`` of activations; tiles themselves stay within MAX_TILE_BYTES.
    Both ceilings are the CPU's: on a GPU only its free memory counts.
    """
    height, width = size
    stride = tile_stride(net, layers)
    if requested == 0:
        return 0
    if requested:
        return max(stride, requested // stride * stride) if max(height, width) > requested else 0
    element_size = compute_dtype(net.precision).itemsize
    working_set = WORKING_COPIES * 3 * 4 * height * width
    budget = MEMORY_FRACTION * (available_memory(net.device) - working_set)
    pixel_bytes = activation_bytes_per_pixel(net, layers, element_size)
    if height * width * pixel_bytes <= min(memory_ceiling(net.device, untiled_bytes), budget):
        return 0
    budget_pixels = min(memory_ceiling(net.device, MAX_TILE_BYTES), budget) / pixel_bytes
    side = int(math.sqrt(max(budget_pixels, 0))) - 2 * tile_margin(net, layers)
    return max(MIN_TILE, side // stride * stride)


def tile_windows(height: int, width: int, tile: int, margin: int, offset: tuple[int, int]) -> list[Window]:
    """Windows covering an image, the grid shifted by ``offset`` = (dy, dx) in [0, tile)."""

    def spans(length: int, shift: int) -> list[tuple[int, int]]:
        edges = sorted({0, length, *range(-shift % tile or tile, length, tile)})
        return [(a, b) for a, b in zip(edges, edges[1:]) if b > a]

    windows = []
    for top, bottom in spans(height, offset[0]):
        for left, right in spans(width, offset[1]):
            outer = (max(0, top - margin), min(height, bottom + margin), max(0, left - margin), min(width, right + margin))
            windows.append(Window((top, bottom, left, right), outer))
    return windows


def tiled_gradient(
    value_of: Callable[[torch.Tensor, Window | None], torch.Tensor],
    x: torch.Tensor,
    tile: int,
    margin: int,
    offset: tuple[int, int],
) -> tuple[torch.Tensor, torch.Tensor]:
    """Gradient of ``value_of(x, None).sum()`` with respect to ``x``, computed tile by tile.

    Args:
        value_of: maps a crop (N, 3, h, w) and its :class:`Window` (None when
            untiled) to per-image values (N,); it must count only the
            activations centred in ``window.inner_in_crop`` (see :func:`in_window`).
        x: (N, 3, H, W) image.
        tile: tile side (a multiple of the deepest stride); 0 computes in one piece.
        margin: context px around each tile (a multiple of the deepest stride).
        offset: grid shift (dy, dx), multiples of the deepest stride.

    Returns:
        (gradient shaped like x, value (N,) detached).
    """
    if not tile:
        crop = x.detach().requires_grad_(True)
        value = value_of(crop, None)
        (gradient,) = torch.autograd.grad(value.sum(), crop)
        return gradient, value.detach()
    gradient = torch.zeros_like(x)
    total = torch.zeros(x.shape[0], device=x.device)
    for window in tile_windows(x.shape[-2], x.shape[-1], tile, margin, offset):
        top, bottom, left, right = window.outer
        crop = x[..., top:bottom, left:right].detach().requires_grad_(True)
        value = value_of(crop, window)
        (crop_gradient,) = torch.autograd.grad(value.sum(), crop)
        gradient[..., top:bottom, left:right] += crop_gradient
        total += value.detach()
    return gradient, total
