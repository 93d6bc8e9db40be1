"""Tiled style transfer: images of any size in bounded memory, with the whole image's style statistics.

A Gram matrix is a mean over positions, so it can be summed tile by tile.
Each evaluation of the objective makes two passes over the tiles (windows
with a margin of half the deepest layer's receptive field, see
:mod:`dreamstyle.backbone.tiling`):

1. Statistics, without autograd: the style-layer activations centred in each
   tile are summed into the whole image's Gram matrices ``G``.
2. Gradients: each tile runs again with autograd. Its loss is the content
   loss of the activations centred in it, plus the *Gram surrogate*
   ``c * sum_p F(p)^T (G - T) F(p)``, whose gradient with respect to each
   activation ``F(p)`` equals the true style loss's for the global ``G``
   (``dL/dF(p) = 4 w / (||T||^2 P) (G - T) F(p)``, ``P`` the layer's positions).

The sliced Wasserstein loss works the same way (:class:`TransportStyle`): the
first pass collects the whole image's projected activations, which give each
value its rank in the whole image, and the second pulls each tile's values
toward the style's at those ranks.

Every activation is counted by exactly one tile, so the summed gradient is
the untiled gradient and tile borders cannot show. The content targets are
made once per scale, tile by tile, and kept only for the positions centred in
each tile, in the precision they were computed in (relu4_2 of a 4096 x 4096
image: 270 MB in bf16); recomputing them at every evaluation cost a forward
pass per tile. Total variation and the temporal term are per pixel and are
computed on the whole image.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import torch

from ..backbone import VGGFeatures
from ..backbone.selection import weight_sum
from ..backbone.tiling import Window, choose_tile, in_window, rows_in_window, tile_margin, tile_windows, tiled_gradient
from ..runtime import compute_dtype
from .config import TransferConfig
from .losses import EPS, SymmetricGram, gram_sum, pixel_losses, style_loss_of_grams, widened
from .regions import RegionWeights, region_energy, region_grams, region_loss_of_grams
from .sliced import (MAX_QUANTILE_POSITIONS, Slices, projections, region_transport_cost, transport_cost,
                     weighted_ranking)

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


def tiled_grams(net: VGGFeatures, image: torch.Tensor, layers: Sequence[str], grid: TileGrid,
                maps: Mapping[str, torch.Tensor] | None = None) -> dict[str, torch.Tensor]:
    """The Gram matrices of ``image`` (N, 3, H, W), summed tile by tile: (N, C, C) averaged over all positions, or
    with ``maps`` (per layer, (K, 1, h, w) position weights summing to 1 per region) (K, C, C), one per region."""
    sums = dict.fromkeys(layers, 0.0)
    positions = dict.fromkeys(layers, 0)
    for window, tile in centred_activations(net, image, layers, grid):
        for name, rows in tile.items():
            if maps is None:
                sums[name] = sums[name] + gram_sum(rows)
                positions[name] += rows.shape[1]
            else:
                sums[name] = sums[name] + region_grams(rows, weights_in_window(maps[name], net.spec(name).stride,
                                                                                window))
    if maps is not None:
        return sums  # each region's weights sum to 1: its sum is already its mean
    return {name: sums[name] / max(positions[name], 1) for name in layers}


def layer_positions(net: VGGFeatures, name: str, size: tuple[int, int]) -> int:
    """Positions of layer ``name``'s activations for an image of ``size`` (H, W): the pools floor each side."""
    stride = net.spec(name).stride
    return max(1, size[0] // stride) * max(1, size[1] // stride)


def tiled_quantiles(net: VGGFeatures, image: torch.Tensor, grid: TileGrid, directions: dict[str, torch.Tensor],
                    maps: Mapping[str, torch.Tensor] | None = None) -> dict[str, Any]:
    """Per layer of ``directions``, ``image``'s activations projected on them and sorted (N, K, Q), collected tile by
    tile (see :func:`dreamstyle.styletransfer.sliced.quantile_function`); with ``maps`` (per layer, (R, 1, h, w)
    position weights) their :func:`~dreamstyle.styletransfer.sliced.weighted_ranking` instead."""
    collected: dict[str, list[torch.Tensor]] = {name: [] for name in directions}
    weights: dict[str, list[torch.Tensor]] = {name: [] for name in directions}
    for window, tile in centred_activations(net, image, list(directions), grid):
        for name, rows in tile.items():
            # Every step-th position of each tile, so the whole image's stay within the limit.
            step = -(-layer_positions(net, name, grid.size) // MAX_QUANTILE_POSITIONS)
            collected[name].append(projections(rows[:, ::step], directions[name]))
            if maps is not None:
                weights[name].append(weights_in_window(maps[name], net.spec(name).stride, window)[:, ::step])
    if maps is None:
        return {name: torch.cat(parts, dim=-1).sort(dim=-1).values for name, parts in collected.items()}
    return {name: weighted_ranking(torch.cat(parts, dim=-1), torch.cat(weights[name], dim=-1))
            for name, parts in collected.items()}


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


def tiled_objective(net: VGGFeatures, x: torch.Tensor, content: TiledContent,
                    style_targets: dict[str, torch.Tensor], config: TransferConfig, grid: TileGrid, temporal=None,
                    sliced: Slices | None = None, regions: RegionWeights | None = None,
                    coverage: torch.Tensor | None = None, matting=None
                    ) -> tuple[tuple[torch.Tensor, ...], torch.Tensor]:
    """The weighted (content, style, tv, temporal, photo) losses of ``x`` and their summed gradient, tile by tile.

    Args:
        x: (1, 3, H, W) the image being optimised.
        content: the content targets at this size, per tile of ``grid``.
        style_targets: per style layer, the target Gram matrix (1, C, C), or with
            ``sliced`` the target quantile function (1, C, Q); with ``regions`` one per region (K, C, C).
        grid: the tiles.
        temporal: an optional TemporalTarget at this size.
        sliced: the sliced Wasserstein loss's directions and energies; None for the Gram loss.
        regions: where each style lands at this size; None: every style everywhere.
        coverage: with regions, (1, 1, H, W) how much of each pixel they cover (weighs total variation).
        matting: the content's matting Laplacian for the photorealism term; None: no such term.

    Returns:
        (losses as 0-d tensors, gradient shaped like x).
    """
    if sliced is None:
        grams = tiled_grams(net, x.detach(), config.style_layer_names, grid, regions and regions.maps)
        style = SurrogateStyle(net, gram_gradients(net, grams, style_targets, config, grid.size, regions), regions)
    else:
        image_ranks = tiled_quantiles(net, x.detach(), grid, sliced.directions, regions and regions.maps)
        style = TransportStyle(net, config, style_targets, sliced, image_ranks, regions)
    tile_loss = TileLoss(net, config, content, style, grid.windows())
    # A fixed grid (no random offset): L-BFGS's line search needs the same objective at every call.
    gradient, _ = tiled_gradient(tile_loss, x, grid.tile, grid.margin, (0, 0))
    pixels = x.detach().requires_grad_(True)
    tv, temporal_value, photo = pixel_losses(pixels, config.tv_weight, temporal, coverage, matting,
                                             config.matting_weight)
    (pixel_gradient,) = torch.autograd.grad(tv + temporal_value + photo, pixels)
    if sliced is not None:
        style_value = sum(style.parts)
    elif regions is not None:
        style_value = region_loss_of_grams(grams, style_targets, regions, config.style_layers)
    else:
        style_value = style_loss_of_grams(grams, style_targets, config.style_layers)
    losses = (sum(tile_loss.content_parts), config.style_weight * style_value, tv.detach(), temporal_value.detach(),
              photo.detach())
    return losses, gradient + pixel_gradient


def gram_gradients(net: VGGFeatures, grams: dict[str, torch.Tensor], targets: dict[str, torch.Tensor],
                   config: TransferConfig, size: tuple[int, int], regions: RegionWeights | None = None
                   ) -> dict[str, torch.Tensor]:
    """Per style layer, the matrices ``S`` of the Gram surrogate (see the module docstring).

    ``S = 2 w (G - T) / (||T||^2 P)`` (C, C), with ``w`` the layer's share of the
    style weight and ``P`` its positions at ``size``, so that
    ``sum_p F(p)^T S F(p)`` has the style loss's gradient with respect to
    every activation. With regions, one per region (K, C, C):
    ``S_k = 2 w a_k (G_k - T_k) / ||T_k||^2`` with ``a_k`` the region's share,
    for ``sum_k sum_p m_k(p) F(p)^T S_k F(p)`` with the position weights ``m_k``.
    """
    total = weight_sum(config.style_layers)
    surrogate = {}
    for name, weight in config.style_layers:
        layer_weight = 2 * config.style_weight * weight / total
        if regions is None:
            positions = layer_positions(net, name, size)
            scale = layer_weight / (targets[name].pow(2).sum().clamp(min=EPS) * positions)
            surrogate[name] = scale * (grams[name] - targets[name])[0]
        else:
            scale = layer_weight * regions.shares[name] / region_energy(targets[name])
            surrogate[name] = scale.view(-1, 1, 1) * (grams[name] - targets[name])
    return surrogate


class SurrogateStyle:
    """A tile's Gram style term: ``sum_p F(p)^T S F(p)`` with the surrogate matrices ``S`` of :func:`gram_gradients`,
    or with regions ``sum_k sum_p m_k(p) F(p)^T S_k F(p)``."""

    def __init__(self, net: VGGFeatures, surrogate: dict[str, torch.Tensor], regions: RegionWeights | None) -> None:
        self.net, self.surrogate, self.regions = net, surrogate, regions

    def __call__(self, name: str, rows: torch.Tensor, window: Window) -> torch.Tensor:
        if self.regions is None:
            # sum_p F(p)^T S F(p) = <R^T R, S>: as a Gram matrix, its gradient is one product, in bf16 under bf16
            return rows.shape[1] * (SymmetricGram.apply(rows) * self.surrogate[name]).sum(dim=(1, 2))
        weights = weights_in_window(self.regions.maps[name], self.net.spec(name).stride, window)
        return (region_grams(rows, weights) * self.surrogate[name]).sum().unsqueeze(0)


class TransportStyle:
    """A tile's sliced Wasserstein term: its values pulled to the style's at their ranks in the whole image.

    Each call also keeps the term's value (its layer's share, detached, without
    the style weight) in :attr:`parts`, whose sum is the whole image's style loss.
    """

    def __init__(self, net: VGGFeatures, config: TransferConfig, targets: dict[str, torch.Tensor], sliced: Slices,
                 image_ranks: dict[str, Any], regions: RegionWeights | None = None) -> None:
        self.net, self.style_weight, self.regions = net, config.style_weight, regions
        self.targets, self.directions, self.image_ranks = targets, sliced.directions, image_ranks
        total = weight_sum(config.style_layers)
        # A layer's share of the loss, over its target's energy at the image's positions, as untiled.
        if regions is None:
            self.share = {name: weight / total / max(sliced.energy[name], EPS) for name, weight in config.style_layers}
        else:
            self.share = {name: weight / total * regions.shares[name] / sliced.energy[name]
                          for name, weight in config.style_layers}
        self.parts: list[torch.Tensor] = []

    def __call__(self, name: str, rows: torch.Tensor, window: Window) -> torch.Tensor:
        values = projections(rows, self.directions[name])
        if self.regions is None:
            cost = self.share[name] * transport_cost(values, self.targets[name], self.image_ranks[name])
        else:
            weights = weights_in_window(self.regions.maps[name], self.net.spec(name).stride, window)
            cost = (self.share[name] * region_transport_cost(values, self.targets[name], weights,
                                                            self.image_ranks[name])).sum().unsqueeze(0)
        self.parts.append(cost.detach().sum())
        return self.style_weight * cost


class TileLoss:
    """One tile's loss, which :func:`tiled_gradient` differentiates: its centred content loss plus its style term.

    Each call also keeps its content loss (weighted, detached) in
    :attr:`content_parts`, whose sum is the whole image's content loss.
    """

    def __init__(self, net: VGGFeatures, config: TransferConfig, content: TiledContent,
                 style: "SurrogateStyle | TransportStyle", windows: list[Window]) -> None:
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
