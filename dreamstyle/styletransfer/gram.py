"""Gatys et al.'s style statistic: each layer's Gram matrix, a mean over positions, so it sums tile by tile.

The tiled loss differentiates a *Gram surrogate*: a tile's term is
``c * sum_p F(p)^T (G - T) F(p)`` with ``G`` the whole image's Gram matrix,
whose gradient with respect to each activation ``F(p)`` equals the true
style loss's (``dL/dF(p) = 4 w / (||T||^2 P) (G - T) F(p)``, ``P`` the layer's
positions); see :mod:`.tiles` for how the tiles are cut.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import torch

from ..backbone import VGGFeatures
from ..backbone.selection import LayerWeights, weight_sum
from ..backbone.tiling import Window
from .config import TransferConfig
from .losses import EPS, SymmetricGram, blended_grams, gram_sum, style_loss_of_grams
from .regions import RegionWeights, region_energy, region_grams, region_loss_of_grams
from .statistic import StyleStatistic, StyleTarget, TileTerm
from .tiles import TileGrid, centred_activations, layer_positions, weights_in_window


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


def gram_gradients(net: VGGFeatures, grams: dict[str, torch.Tensor], targets: Mapping[str, torch.Tensor],
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


class GramStatistic(StyleStatistic):
    """Gram matrices (C, C) of each style layer: Gatys et al.'s style."""

    def of_image(self, net: VGGFeatures, image: torch.Tensor, layers: Sequence[str], grid: TileGrid,
                 maps: Mapping[str, torch.Tensor] | None = None) -> dict[str, torch.Tensor]:
        return tiled_grams(net, image, layers, grid, maps)

    def target(self, per_style: Sequence[Mapping[str, torch.Tensor]], blend: Sequence[float],
               regions: RegionWeights | None, net: VGGFeatures, size: tuple[int, int], tiled: bool) -> "GramTarget":
        if regions is None:
            return GramTarget(blended_grams(per_style, blend), None)
        return GramTarget({name: torch.cat([grams[name] for grams in per_style]) for name in per_style[0]}, regions)


@dataclass(frozen=True)
class GramTarget(StyleTarget):
    """Target Gram matrices per style layer: (1, C, C) blended, or with regions (K, C, C), one per region."""

    target: Mapping[str, torch.Tensor]
    regions: RegionWeights | None

    def loss_of_grams(self, grams: Mapping[str, torch.Tensor], layers: LayerWeights) -> torch.Tensor:
        """The loss from the picture's Gram matrices (per layer (1, C, C), or with regions (K, C, C))."""
        if self.regions is None:
            return style_loss_of_grams(grams, self.target, layers)
        return region_loss_of_grams(grams, self.target, self.regions, layers)

    def loss(self, rows: Mapping[str, torch.Tensor], layers: LayerWeights) -> torch.Tensor:
        if self.regions is None:
            grams = {name: SymmetricGram.apply(rows[name]) for name, _ in layers}
        else:
            grams = {name: region_grams(rows[name], self.regions.weights(name)) for name, _ in layers}
        return self.loss_of_grams(grams, layers)

    def tile_term(self, net: VGGFeatures, image: torch.Tensor, grid: TileGrid, config: TransferConfig
                  ) -> "GramTileTerm":
        grams = tiled_grams(net, image, config.style_layer_names, grid, self.regions and self.regions.maps)
        surrogate = gram_gradients(net, grams, self.target, config, grid.size, self.regions)
        return GramTileTerm(net, surrogate, self.regions, self.loss_of_grams(grams, config.style_layers))


class GramTileTerm(TileTerm):
    """A tile's Gram style term: ``sum_p F(p)^T S F(p)`` with the surrogate matrices ``S`` of :func:`gram_gradients`,
    or with regions ``sum_k sum_p m_k(p) F(p)^T S_k F(p)``."""

    def __init__(self, net: VGGFeatures, surrogate: dict[str, torch.Tensor], regions: RegionWeights | None,
                 whole: torch.Tensor) -> None:
        self.net, self.surrogate, self.regions, self.whole = net, surrogate, regions, whole

    def __call__(self, name: str, rows: torch.Tensor, window: Window) -> torch.Tensor:
        if self.regions is None:
            # sum_p F(p)^T S F(p) = <R^T R, S>: as a Gram matrix, its gradient is one product, in bf16 under bf16
            return rows.shape[1] * (SymmetricGram.apply(rows) * self.surrogate[name]).sum(dim=(1, 2))
        weights = weights_in_window(self.regions.maps[name], self.net.spec(name).stride, window)
        return (region_grams(rows, weights) * self.surrogate[name]).sum().unsqueeze(0)

    def value(self) -> torch.Tensor:
        return self.whole
