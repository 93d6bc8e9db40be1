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
   target's tile term (the content loss of the activations centred in it,
   :class:`~dreamstyle.styletransfer.content.ContentTarget`), plus the
   statistic's tile term, whose gradient with respect to each activation
   equals the whole image's style loss's.

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
from typing import TYPE_CHECKING

import torch

from ..backbone import VGGFeatures
from ..backbone.tiling import Window, choose_tile, in_window, rows_in_window, tile_margin, tile_windows, tiled_gradient
from .config import TransferConfig
from .losses import pixel_losses
from .statistic import StyleTarget, TileTerm

if TYPE_CHECKING:
    from .content import ContentTarget, ContentTile

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


def tiled_objective(net: VGGFeatures, x: torch.Tensor, content: ContentTarget, style: StyleTarget,
                    config: TransferConfig, grid: TileGrid, temporal=None, coverage: torch.Tensor | None = None,
                    matting=None) -> tuple[tuple[torch.Tensor, ...], torch.Tensor]:
    """The weighted (content, style, tv, temporal, photo) losses of ``x`` and their summed gradient, tile by tile.

    Args:
        x: (1, 3, H, W) the image being optimised.
        content: the content target at this size, tile by tile (its tile term makes the content part).
        style: the style statistic's target at this size (its tile term makes the style part).
        grid: the tiles.
        temporal: an optional TemporalTarget at this size.
        coverage: with regions, (1, 1, H, W) how much of each pixel they cover (weighs total variation).
        matting: the content's matting Laplacian for the photorealism term; None: no such term.

    Returns:
        (losses as 0-d tensors, gradient shaped like x).
    """
    style_term = style.tile_term(net, x.detach(), grid, config)
    tile_loss = TileLoss(net, config, content.tile_term(net, grid.windows()), style_term)
    # A fixed grid (no random offset): L-BFGS's line search needs the same objective at every call.
    gradient, _ = tiled_gradient(tile_loss, x, grid.tile, grid.margin, (0, 0))
    pixels = x.detach().requires_grad_(True)
    tv, temporal_value, photo = pixel_losses(pixels, config.tv_weight, temporal, coverage, matting,
                                             config.matting_weight)
    (pixel_gradient,) = torch.autograd.grad(tv + temporal_value + photo, pixels)
    losses = (tile_loss.content.value(), config.style_weight * style_term.value(), tv.detach(),
              temporal_value.detach(), photo.detach())
    return losses, gradient + pixel_gradient


class TileLoss:
    """One tile's loss, which :func:`tiled_gradient` differentiates: its content term plus its style term."""

    def __init__(self, net: VGGFeatures, config: TransferConfig, content: ContentTile, style: TileTerm) -> None:
        self.net, self.config, self.content, self.style = net, config, content, style

    def __call__(self, crop: torch.Tensor, window: Window | None) -> torch.Tensor:
        net, config = self.net, self.config
        window = window or self.content.first_window
        feats = net(crop, config.layer_names, native=True)
        content = self.content(feats, window)
        style = crop.new_zeros(crop.shape[0])
        for name, _ in config.style_layers:
            rows = rows_in_window(feats[name], net.spec(name).stride, window.inner_in_crop)
            style = style + self.style(name, rows, window)
        return content + style
