"""The sliced Wasserstein style loss (Heitz et al. 2021): the features' whole distribution, not only their Gram matrix.

A layer's activations, one C-vector per position, are projected on K = C
random orthonormal directions; along each direction the image's values are
sorted and compared with the style's sorted values (its quantile function),
which is the 1-D optimal transport between the two. Gram matrices match only
second moments, so two images with equal Grams can still differ in contrast
and in how often a feature fires; this loss cannot be fooled that way.

Where it departs from the paper:

- Fixed directions. Heitz et al. draw new directions at every step of Adam;
  L-BFGS's line search needs the same objective at every call, so each layer's
  directions are drawn once from the run's seed (orthonormal, so K = C of them
  span every direction a feature can vary in).
- Relative, like the Gram loss: each layer's squared transport cost is divided
  by its target's energy, so the same style weight works at every size and
  for either statistic.
- Several styles blend as the average of their quantile functions (the 1-D
  Wasserstein barycentre), weighted like Gram matrices.
- Regions (:mod:`dreamstyle.styletransfer.regions`): each position counts by
  its mask's weight, so a value's rank is the share of the region's weight
  below it, and each region is pulled to its own style's quantile function.
- Tiles: an image's quantile function is the sorted projections of all its
  positions, so a tiled run first collects the projections of every tile
  (without autograd), then each tile pulls each of its values toward the
  style's value at that value's rank in the whole image; the gradient is the
  untiled one (:func:`transport_targets`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import torch

from ..backbone import VGGFeatures
from ..backbone.selection import LayerWeights, weight_sum
from ..backbone.tiling import Window
from ..seeds import make_generator
from .config import TransferConfig
from .losses import EPS, widened
from .regions import RegionWeights
from .statistic import StyleStatistic, StyleTarget, TileTerm
from .tiles import TileGrid, centred_activations, layer_positions, weights_in_window

# Positions kept per layer for a quantile function: above this a whole image's
# projections would take gigabytes (relu1_1 of a 4096 px image: 16.8 M x 64),
# and an evenly spaced sample of them sorts to nearly the same quantiles.
MAX_QUANTILE_POSITIONS = 2**20


def random_directions(channels: Mapping[str, int], seed: int) -> dict[str, torch.Tensor]:
    """Per layer, C orthonormal directions (C, C) as columns, drawn from ``seed`` in the layers' order."""
    generator = make_generator(seed)
    directions = {}
    for name, count in channels.items():
        q, r = torch.linalg.qr(torch.randn(count, count, generator=generator, dtype=torch.float64))
        directions[name] = (q * torch.sign(torch.diagonal(r))).float()  # unique, so every LAPACK agrees
    return directions


def projections(rows: torch.Tensor, directions: torch.Tensor) -> torch.Tensor:
    """(N, P, C) activations, a row per position, on (C, K) directions -> (N, K, P) float32 values."""
    return (widened(rows) @ directions.to(rows.device)).transpose(1, 2)


def quantile_function(values: torch.Tensor, limit: int = MAX_QUANTILE_POSITIONS) -> torch.Tensor:
    """(N, K, P) projected values -> (N, K, Q) sorted, Q <= ``limit`` (an evenly spaced sample beyond it)."""
    step = -(-values.shape[-1] // limit)
    return values[..., ::step].sort(dim=-1).values


def quantile_at(quantiles: torch.Tensor, fractions: torch.Tensor) -> torch.Tensor:
    """The (N, K, Q) quantile function at ``fractions`` (N, K, n) in [0, 1], interpolated linearly between its values.

    Value i of Q sits at fraction (i + 0.5) / Q.
    """
    count = quantiles.shape[-1]
    position = (fractions * count - 0.5).clamp(0, count - 1)
    low = position.floor().long()
    high = (low + 1).clamp(max=count - 1)
    share = position - low
    return torch.lerp(quantiles.gather(-1, low), quantiles.gather(-1, high), share)


def resampled(quantiles: torch.Tensor, count: int, start: int = 0, stop: int | None = None) -> torch.Tensor:
    """The (N, K, Q) quantile function at ``count`` evenly spaced fractions, or at those from ``start`` to ``stop``."""
    stop = count if stop is None else stop
    if quantiles.shape[-1] == count and (start, stop) == (0, count):
        return quantiles
    fractions = (torch.arange(start, stop, device=quantiles.device) + 0.5) / count
    return quantile_at(quantiles, fractions.expand(*quantiles.shape[:-1], stop - start))


def blended_quantiles(per_style: Sequence[Mapping[str, torch.Tensor]], blend: Sequence[float]
                      ) -> dict[str, torch.Tensor]:
    """Per layer, the weighted average of several styles' quantile functions, each resampled to the longest."""
    total = float(sum(blend))
    blended = {}
    for layer in per_style[0]:
        count = max(quantiles[layer].shape[-1] for quantiles in per_style)
        blended[layer] = sum(w / total * resampled(quantiles[layer], count) for w, quantiles in zip(blend, per_style))
    return blended


def transport_targets(values: torch.Tensor, quantiles: torch.Tensor, image_quantiles: torch.Tensor | None = None
                      ) -> torch.Tensor:
    """Where optimal transport sends each of ``values`` (N, K, n): the style's value at its rank in the image.

    The rank comes from sorting ``values`` themselves (the whole image), or,
    for one tile's values, from ``image_quantiles``: the whole image's sorted
    projections (N, K, P), collected tile by tile.
    """
    if image_quantiles is None:
        # One sort: the style's values in rank order, put back where each ranked value sits.
        in_rank_order = resampled(quantiles, values.shape[-1])
        return torch.empty_like(values).scatter_(-1, values.argsort(dim=-1), in_rank_order)
    ranks = torch.searchsorted(image_quantiles.contiguous(), values.contiguous())
    return quantile_at(quantiles, (ranks + 0.5) / image_quantiles.shape[-1])


def transport_cost(values: torch.Tensor, quantiles: torch.Tensor, image_quantiles: torch.Tensor | None = None
                   ) -> torch.Tensor:
    """(N,) sum of squared distances of ``values`` (N, K, n) to their transport targets (differentiable in values)."""
    targets = transport_targets(values.detach(), quantiles, image_quantiles)
    return (values - targets).pow(2).sum(dim=(1, 2))


def target_energy(quantiles: torch.Tensor, positions: int) -> float:
    """The sum of squares of the target an image with ``positions`` values per direction is pulled to.

    Summed MAX_QUANTILE_POSITIONS values at a time, so a huge image's target is never held whole.
    """
    return sum(float(resampled(quantiles, positions, start, min(positions, start + MAX_QUANTILE_POSITIONS))
                     .pow(2).sum()) for start in range(0, positions, MAX_QUANTILE_POSITIONS))


def weighted_ranking(values: torch.Tensor, weights: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(1, K, P) values counted by (R, P) weights -> (the values sorted (1, K, P), and per region the share of its
    weight below each sorted value, and at the end all of it (R, K, P + 1), from 0 to 1)."""
    sorted_values, order = values.sort(dim=-1)
    regions, directions = weights.shape[0], values.shape[1]
    in_order = weights.unsqueeze(1).expand(-1, directions, -1).gather(-1, order.expand(regions, -1, -1))
    below = torch.cat([in_order.new_zeros(regions, directions, 1), in_order.cumsum(dim=-1)], dim=-1)
    return sorted_values, below / below[..., -1:].clamp(min=EPS)


def weighted_quantile_function(sorted_values: torch.Tensor, below: torch.Tensor, count: int) -> torch.Tensor:
    """The quantile function (R, K, ``count``) of values counted by weight, from :func:`weighted_ranking`'s result."""
    fractions = (below[..., :-1] + below[..., 1:]) / 2  # each value's place: half its own weight above what is below
    values = sorted_values.expand(fractions.shape[0], -1, -1)
    if values.shape[-1] == 1:
        return values.expand(-1, -1, count)
    wanted = ((torch.arange(count, device=values.device) + 0.5) / count).expand(*fractions.shape[:-1], count)
    high = torch.searchsorted(fractions.contiguous(), wanted.contiguous()).clamp(1, values.shape[-1] - 1)
    low = high - 1
    low_fraction, high_fraction = fractions.gather(-1, low), fractions.gather(-1, high)
    share = ((wanted - low_fraction) / (high_fraction - low_fraction).clamp(min=EPS)).clamp(0.0, 1.0)
    return torch.lerp(values.gather(-1, low), values.gather(-1, high), share)


def region_transport_targets(values: torch.Tensor, quantiles: torch.Tensor, weights: torch.Tensor,
                             ranking: tuple[torch.Tensor, torch.Tensor] | None = None) -> torch.Tensor:
    """Per region, where optimal transport sends each of ``values`` (1, K, n): (R, K, n).

    Args:
        values: the image's projected values (all of them, or one tile's).
        quantiles: (R, K, Q) each region's target quantile function.
        weights: (R, n) the values' weights, each region's summing to 1 over the whole image.
        ranking: for one tile's values, the whole image's :func:`weighted_ranking`;
            None when ``values`` are the whole image's.
    """
    regions = weights.shape[0]
    if ranking is None:
        order = values.argsort(dim=-1).expand(regions, -1, -1)
        in_order = weights.unsqueeze(1).expand(-1, values.shape[1], -1).gather(-1, order)
        fractions = in_order.cumsum(dim=-1) - in_order / 2
        return torch.empty_like(fractions).scatter_(-1, order, quantile_at(quantiles, fractions))
    sorted_values, below = ranking
    ranks = torch.searchsorted(sorted_values.contiguous(), values.contiguous()).expand(regions, -1, -1)
    return quantile_at(quantiles, below.gather(-1, ranks) + weights.unsqueeze(1) / 2)


def region_transport_cost(values: torch.Tensor, quantiles: torch.Tensor, weights: torch.Tensor,
                          ranking: tuple[torch.Tensor, torch.Tensor] | None = None) -> torch.Tensor:
    """(R,) per region, the weighted sum of squared distances of ``values`` to their transport targets
    (arguments as :func:`region_transport_targets`; differentiable in values)."""
    targets = region_transport_targets(values.detach(), quantiles, weights, ranking)
    return (weights.unsqueeze(1) * (values - targets).pow(2)).sum(dim=(1, 2))


def quantile_energy(quantiles: torch.Tensor) -> torch.Tensor:
    """(R,) the mean square of each (R, K, Q) quantile function, summed over directions: what a region with
    weights summing to 1 is pulled to."""
    return quantiles.pow(2).mean(dim=-1).sum(dim=-1).clamp(min=EPS)


@dataclass(frozen=True)
class Slices:
    """What the sliced Wasserstein loss holds fixed at one scale.

    Attributes:
        directions: per style layer, its directions (C, C) as columns.
        energy: per style layer, the sum of squares of the target the image
            is pulled to (the loss's denominator), made once per scale; with
            regions one per region (R,).
    """

    directions: Mapping[str, torch.Tensor]
    energy: Mapping[str, float | torch.Tensor]

    @classmethod
    def of(cls, directions: Mapping[str, torch.Tensor], targets: Mapping[str, torch.Tensor],
           positions: Mapping[str, int] | None) -> "Slices":
        """The slices for ``targets`` (quantile functions) pulling an image with ``positions`` per layer, or with
        regions (``positions`` None) one target per region (R, K, Q)."""
        if positions is None:
            return cls(directions, {name: quantile_energy(targets[name]) for name in directions})
        return cls(directions, {name: target_energy(targets[name], positions[name]) for name in directions})


def sliced_wasserstein_loss(rows: Mapping[str, torch.Tensor], targets: Mapping[str, torch.Tensor],
                            slices: Slices, layers: LayerWeights, regions: RegionWeights | None = None
                            ) -> torch.Tensor:
    """Weighted mean over layers of the relative squared transport cost of each layer's rows (N, P, C) to its target.

    With ``regions``, each region's cost (its positions counted by their
    weights) relative to its own target, weighted by the region's share.
    Zero when the image's features have the style's distribution along every direction.
    """
    total = 0.0
    for name, weight in layers:
        values = projections(rows[name], slices.directions[name])
        if regions is None:
            cost = transport_cost(values, targets[name]).sum() / max(slices.energy[name], EPS)
        else:
            cost = region_transport_cost(values, targets[name], regions.weights(name).to(values.device))
            cost = (regions.shares[name] * cost / slices.energy[name]).sum()
        total = total + weight * cost
    return total / weight_sum(layers)


def tiled_quantiles(net: VGGFeatures, image: torch.Tensor, grid: TileGrid, directions: Mapping[str, torch.Tensor],
                    maps: Mapping[str, torch.Tensor] | None = None) -> dict[str, Any]:
    """Per layer of ``directions``, ``image``'s activations projected on them and sorted (N, K, Q), collected tile by
    tile (see :func:`quantile_function`); with ``maps`` (per layer, (R, 1, h, w) position weights) their
    :func:`weighted_ranking` instead."""
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
class SlicedWasserstein(StyleStatistic):
    """Quantile functions (C, Q) of each style layer's activations along fixed directions (see the module docstring).

    Attributes:
        directions: per style layer, its (C, C) directions as columns (:func:`random_directions`).
    """

    directions: Mapping[str, torch.Tensor]

    def of_image(self, net: VGGFeatures, image: torch.Tensor, layers: Sequence[str], grid: TileGrid,
                 maps: Mapping[str, torch.Tensor] | None = None) -> dict[str, torch.Tensor]:
        if maps is None:
            return tiled_quantiles(net, image, grid, self.directions)
        ranks = tiled_quantiles(net, image, grid, self.directions, maps)
        return {name: weighted_quantile_function(*ranks[name], ranks[name][0].shape[-1]) for name in layers}

    def target(self, per_style: Sequence[Mapping[str, torch.Tensor]], blend: Sequence[float],
               regions: RegionWeights | None, net: VGGFeatures, size: tuple[int, int], tiled: bool
               ) -> "SlicedTarget":
        if regions is None:
            targets = blended_quantiles(per_style, blend)
        else:
            targets = {name: torch.cat([resampled(quantiles[name], max(q[name].shape[-1] for q in per_style))
                                        for quantiles in per_style]) for name in per_style[0]}
        positions = {name: layer_positions(net, name, size) for name in targets}
        slices = Slices.of(self.directions, targets, None if regions else positions)
        if not tiled and regions is None:
            # Resampled once to the image's positions, so no evaluation has to.
            targets = {name: resampled(quantiles, positions[name]) for name, quantiles in targets.items()}
        return SlicedTarget(targets, regions, slices)


@dataclass(frozen=True)
class SlicedTarget(StyleTarget):
    """Target quantile functions per style layer, (1, C, Q) blended or (R, C, Q) one per region, and their slices."""

    target: Mapping[str, torch.Tensor]
    regions: RegionWeights | None
    slices: Slices

    def loss(self, rows: Mapping[str, torch.Tensor], layers: LayerWeights) -> torch.Tensor:
        return sliced_wasserstein_loss(rows, self.target, self.slices, layers, self.regions)

    def tile_term(self, net: VGGFeatures, image: torch.Tensor, grid: TileGrid, config: TransferConfig
                  ) -> "TransportTerm":
        ranks = tiled_quantiles(net, image, grid, self.slices.directions, self.regions and self.regions.maps)
        return TransportTerm(net, config, self, ranks)


class TransportTerm(TileTerm):
    """A tile's sliced Wasserstein term: its values pulled to the style's at their ranks in the whole image.

    Each call also keeps the term's value (its layer's share, detached, without
    the style weight), whose sum is the whole image's style loss.
    """

    def __init__(self, net: VGGFeatures, config: TransferConfig, target: SlicedTarget, image_ranks: dict[str, Any]
                 ) -> None:
        self.net, self.style_weight, self.regions = net, config.style_weight, target.regions
        self.targets, self.directions, self.image_ranks = target.target, target.slices.directions, image_ranks
        energy = target.slices.energy
        total = weight_sum(config.style_layers)
        # A layer's share of the loss, over its target's energy at the image's positions, as untiled.
        if self.regions is None:
            self.share = {name: weight / total / max(energy[name], EPS) for name, weight in config.style_layers}
        else:
            self.share = {name: weight / total * self.regions.shares[name] / energy[name]
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

    def value(self) -> torch.Tensor:
        return sum(self.parts)
