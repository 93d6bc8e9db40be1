"""Tiled style transfer: images of any size in bounded memory, with the whole image's style statistics.

Each evaluation of the objective makes two passes over the tiles (windows
with a margin of half the deepest layer's receptive field, see
:mod:`dreamstyle.backbone.tiling`):

1. Statistics, without autograd: the style statistic collects the whole
   image's statistic from the style-layer activations centred in each tile
   (:meth:`~dreamstyle.styletransfer.statistic.StyleTarget.tile_term`): a Gram
   matrix is a mean over positions, so it sums tile by tile
   (:mod:`.gram`); the sliced Wasserstein loss collects every projected
   value, which gives each its rank in the whole image (:mod:`.sliced`).
2. Gradients: each tile runs again with autograd. Its loss is the content
   loss of the activations centred in it, plus the statistic's tile term,
   whose gradient with respect to each activation equals the whole image's
   style loss's.

Every activation is counted by exactly one tile, so the summed gradient is
the untiled gradient and tile borders cannot show. The content targets are
made once per scale, tile by tile, and kept only for the positions centred in
each tile, in the precision they were computed in (relu4_2 of a 4096 x 4096
image: 270 MB in bf16); recomputing them at every evaluation cost a forward
pass per tile. Total variation and the temporal term are per pixel and are
computed on the whole image.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import torch

from ..backbone import VGGFeatures
from ..backbone.selection import weight_sum
from ..backbone.tiling import Window, choose_tile, in_window, rows_in_window, tile_margin, tile_windows, tiled_gradient
from ..runtime import compute_dtype
from .config import TransferConfig
from .losses import pixel_losses, widened
from .statistic import StyleTarget, TileTerm

# A tiled evaluation costs about twice an untiled one (a statistics pass, and
# relu5_1's wide margins around every tile), so an image whose activations fit
# in this much memory is run whole even where a dream would tile it: a
# 1024 x 681 transfer needs 1.1 GB in bf16.
UNTILED_BYTES = 2 * 2**30


@dataclass(frozen=True)
class TileGrid:
    """How an image of ``size`` = (H, W) is cut: ``tile`` px tiles (0: one piece) with ``margin`` px of context."""

    size: tuple[int, int]
    tile: int
    margin: int

    @classmethod
    def plan(cls, net: VGGFeatures, layers: Sequence[str], size: tuple[int, int], requested: int | None
             ) -> "TileGrid":
        """Tiles for ``layers`` at ``size``: ``requested`` px, or chosen from free memory when None (0: never)."""
        return cls(tuple(size), choose_tile(net, layers, size, requested, UNTILED_BYTES),
                   tile_margin(net, layers))

    def windows(self) -> list[Window]:
        height, width = self.size
        if not self.tile:
            return [Window((0, height, 0, width), (0, height, 0, width))]
        return tile_windows(height, width, self.tile, self.margin, (0, 0))


def _crop(image: torch.Tensor, window: Window) -> torch.Tensor:
    top, bottom, left, right = window.outer
    return image[..., top:bottom, left:right]


def centred_activations(net: VGGFeatures, image: torch.Tensor, layers: Sequence[str], grid: TileGrid
                        ) -> Iterator[tuple[Window, dict[str, torch.Tensor]]]:
    """For each tile, without autograd: its window, and {layer: (N, P, C) activations centred in the tile, a row
    per position}.

    Together the tiles yield every position of the whole image exactly once.
    The rows are in the net's :attr:`~VGGFeatures.activation_dtype` (bf16 when
    its convolutions run in bf16).
    """
    with torch.no_grad():
        for window in grid.windows():
            feats = net(_crop(image, window), list(layers), native=True)
            yield window, {name: rows_in_window(feats[name], net.spec(name).stride, window.inner_in_crop)
                           for name in layers}


def weights_in_window(maps: torch.Tensor, stride: int, window: Window) -> torch.Tensor:
    """(K, p) the weights of a layer's positions centred in ``window``, from the whole image's (K, 1, h, w) ``maps``."""
    return in_window(maps, stride, window.inner).flatten(1)


def layer_positions(net: VGGFeatures, name: str, size: tuple[int, int]) -> int:
    """Positions of layer ``name``'s activations for an image of ``size`` (H, W): the pools floor each side."""
    stride = net.spec(name).stride
    return max(1, size[0] // stride) * max(1, size[1] // stride)


@dataclass(frozen=True)
class TiledContent:
    """The content targets of a tiled scale.

    Attributes:
        tiles: per window of the grid, in order, {layer: (N, P, C) content
            activations centred in that tile}.
        energy: per layer, the sum of squares of its activations over the whole
            image (the content loss's denominator).
    """

    tiles: tuple[dict[str, torch.Tensor], ...]
    energy: dict[str, float]

    @classmethod
    def of(cls, net: VGGFeatures, image: torch.Tensor, layers: Sequence[str], grid: TileGrid) -> "TiledContent":
        """The targets of ``image`` (N, 3, H, W) in [0, 1], kept in ``net``'s compute dtype."""
        dtype = compute_dtype(net.precision)
        tiles = tuple({name: flat.to(dtype) for name, flat in tile.items()}
                      for _, tile in centred_activations(net, image, layers, grid))
        energy = {name: sum(float(tile[name].float().pow(2).sum()) for tile in tiles) for name in layers}
        return cls(tiles, energy)


def tiled_objective(net: VGGFeatures, x: torch.Tensor, content: TiledContent, style: StyleTarget,
                    config: TransferConfig, grid: TileGrid, temporal=None, coverage: torch.Tensor | None = None,
                    matting=None) -> tuple[tuple[torch.Tensor, ...], torch.Tensor]:
    """The weighted (content, style, tv, temporal, photo) losses of ``x`` and their summed gradient, tile by tile.

    Args:
        x: (1, 3, H, W) the image being optimised.
        content: the content targets at this size, per tile of ``grid``.
        style: the style statistic's target at this size (its tile term makes the style part).
        grid: the tiles.
        temporal: an optional TemporalTarget at this size.
        coverage: with regions, (1, 1, H, W) how much of each pixel they cover (weighs total variation).
        matting: the content's matting Laplacian for the photorealism term; None: no such term.

    Returns:
        (losses as 0-d tensors, gradient shaped like x).
    """
    style_term = style.tile_term(net, x.detach(), grid, config)
    tile_loss = TileLoss(net, config, content, style_term, grid.windows())
    # A fixed grid (no random offset): L-BFGS's line search needs the same objective at every call.
    gradient, _ = tiled_gradient(tile_loss, x, grid.tile, grid.margin, (0, 0))
    pixels = x.detach().requires_grad_(True)
    tv, temporal_value, photo = pixel_losses(pixels, config.tv_weight, temporal, coverage, matting,
                                             config.matting_weight)
    (pixel_gradient,) = torch.autograd.grad(tv + temporal_value + photo, pixels)
    losses = (sum(tile_loss.content_parts), config.style_weight * style_term.value(), tv.detach(),
              temporal_value.detach(), photo.detach())
    return losses, gradient + pixel_gradient


class TileLoss:
    """One tile's loss, which :func:`tiled_gradient` differentiates: its centred content loss plus its style term.

    Each call also keeps its content loss (weighted, detached) in
    :attr:`content_parts`, whose sum is the whole image's content loss.
    """

    def __init__(self, net: VGGFeatures, config: TransferConfig, content: TiledContent, style: TileTerm,
                 windows: list[Window]) -> None:
        self.net, self.config, self.content, self.style = net, config, content, style
        self.first_window = windows[0]
        self.references = dict(zip((window.inner for window in windows), content.tiles))
        self.content_total = weight_sum(config.content_layers)
        self.content_parts: list[torch.Tensor] = []

    def __call__(self, crop: torch.Tensor, window: Window | None) -> torch.Tensor:
        net, config = self.net, self.config
        window = window or self.first_window
        reference = self.references[window.inner]
        feats = net(crop, config.layer_names, native=True)
        loss = crop.new_zeros(crop.shape[0])
        for name, weight in config.content_layers:
            centred = rows_in_window(feats[name], net.spec(name).stride, window.inner_in_crop)
            difference = widened(centred) - widened(reference[name])
            loss = loss + weight / self.content_total * difference.pow(2).sum(dim=(1, 2)) / max(
                self.content.energy[name], 1e-8)
        style = crop.new_zeros(crop.shape[0])
        for name, _ in config.style_layers:
            rows = rows_in_window(feats[name], net.spec(name).stride, window.inner_in_crop)
            style = style + self.style(name, rows, window)
        self.content_parts.append(config.content_weight * loss.detach().sum())
        return config.content_weight * loss + style
