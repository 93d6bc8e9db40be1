"""Regions: each style painted only where its mask says (Gatys et al. 2017, "Controlling perceptual factors").

Every style image has a mask over the output (white: here, soft edges
allowed) and, optionally, one over itself saying which part of it to take the
style from. A style's statistics are taken over its region and matched only
there; where no mask reaches, the photo stays.

Where it departs from the paper:

- Each position counts in proportion to its mask, not to the square of it.
  Gatys et al. multiply the features by the guide before taking the Gram
  matrix; then a pixel half in each of two regions is pulled a quarter by
  each, half as hard as anywhere else, and a soft edge shows as a weak band
  (a halo). Weighed by the mask itself, the two halves add up to a full pull,
  so styles blend across a soft edge without a seam.
- The masks are carried down to every layer by average pooling over each
  layer's stride (floored like the network's pools): a position's weight is
  the share of its cell inside the region. Max pooling (their "inside"
  guidance's opposite) would count cells that only touch a region as wholly
  in it, and styles would bleed across the edge; erosion would drop the edge
  cells of small regions at relu5_1 (16 px cells). Averaging keeps each
  region's area at every layer, so every layer weighs the regions alike.
- Each region's statistic is a mean over the region, so it does not depend
  on the region's size, and each region's loss is weighted by its share of
  the image: a pixel is styled as hard as in a run with that style alone,
  however small its region.
- Total variation is weighted by how much of a pixel the masks cover: it
  exists to smooth what the style loss paints, and elsewhere would only blur
  the photo.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from ..backbone.selection import LayerWeights, weight_sum
from .losses import EPS, widened


def pooled(masks: torch.Tensor, stride: int) -> torch.Tensor:
    """(K, 1, H, W) masks at the positions of a layer of ``stride``: each position's share of its cell, (K, 1, h, w)."""
    return F.avg_pool2d(masks, stride) if stride > 1 else masks


@dataclass(frozen=True)
class RegionWeights:
    """The regions at one scale, per style layer.

    Attributes:
        maps: per layer, (K, 1, h, w) weights of the layer's positions, each
            region's summing to 1 (all 0 for a region empty at this layer).
        shares: per layer, (K,) each region's loss weight: its share of the
            positions times its strength.
    """

    maps: Mapping[str, torch.Tensor]
    shares: Mapping[str, torch.Tensor]

    @classmethod
    def of(cls, masks: torch.Tensor, strides: Mapping[str, int], strengths: Sequence[float]) -> "RegionWeights":
        """For ``masks`` (K, 1, H, W) at the scale's size, layers of ``strides``, and a strength per region."""
        maps, shares = {}, {}
        strength = torch.tensor(strengths, dtype=torch.float32, device=masks.device)
        for name, stride in strides.items():
            cells = pooled(masks, stride)
            totals = cells.sum(dim=(1, 2, 3))
            maps[name] = cells / totals.clamp(min=EPS).view(-1, 1, 1, 1)
            shares[name] = strength * totals / cells[0, 0].numel()
        return cls(maps, shares)

    def weights(self, name: str) -> torch.Tensor:
        """(K, P): layer ``name``'s position weights, in the order of (N, P, C) rows."""
        return self.maps[name].flatten(1)


def region_strengths(blend: Sequence[float]) -> tuple[float, ...]:
    """With masks, the style blend scales each region's style: the weights rescaled to a mean of 1."""
    total = float(sum(blend))
    return tuple(len(blend) * weight / total for weight in blend)


class RegionGram(torch.autograd.Function):
    """``sum_p w_k(p) R(p) R(p)^T`` for (1, P, C) rows and (K, P) position weights: (K, C, C), one per region.

    As :class:`~dreamstyle.styletransfer.losses.SymmetricGram`: computed in
    float32, differentiated with one product per region
    (``dR = sum_k w_k R (dG_k + dG_k^T)``), the gradient in the rows' dtype.
    """

    @staticmethod
    def forward(ctx, rows: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(rows, weights)
        wide = widened(rows)
        return (weights.unsqueeze(-1) * wide).transpose(1, 2) @ wide

    @staticmethod
    def backward(ctx, gradient: torch.Tensor) -> tuple[torch.Tensor, None]:
        rows, weights = ctx.saved_tensors
        symmetric = (gradient + gradient.transpose(1, 2)).to(rows.dtype)
        return (weights.unsqueeze(-1).to(rows.dtype) * (rows @ symmetric)).sum(dim=0, keepdim=True), None


def region_grams(rows: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """(1, P, C) rows and (K, P) weights summing to 1 per region -> (K, C, C) each region's Gram matrix."""
    return RegionGram.apply(rows, weights.to(rows.device))


def region_style_loss(rows: Mapping[str, torch.Tensor], targets: Mapping[str, torch.Tensor],
                      regions: RegionWeights, layers: LayerWeights) -> torch.Tensor:
    """Weighted mean over layers of each region's relative squared Gram error, weighted by the region's share.

    Args:
        rows: per layer, the image's (1, P, C) activations, a row per position.
        targets: per layer, (K, C, C) each region's target Gram matrix.
        regions: the position weights and shares at this scale.
        layers: (layer, weight) pairs.
    """
    grams = {name: region_grams(rows[name], regions.weights(name)) for name, _ in layers}
    return region_loss_of_grams(grams, targets, regions, layers)


def region_loss_of_grams(grams: Mapping[str, torch.Tensor], targets: Mapping[str, torch.Tensor],
                         regions: RegionWeights, layers: LayerWeights) -> torch.Tensor:
    """:func:`region_style_loss` from each region's Gram matrices (K, C, C) instead of the features."""
    total = 0.0
    for name, weight in layers:
        errors = (grams[name] - targets[name]).pow(2).sum(dim=(1, 2)) / region_energy(targets[name])
        total = total + weight * (regions.shares[name] * errors).sum()
    return total / weight_sum(layers)


def region_energy(targets: torch.Tensor) -> torch.Tensor:
    """(K,) the squared norm of each region's target (K, ...), never below EPS: a relative error's denominator."""
    return targets.flatten(1).pow(2).sum(dim=1).clamp(min=EPS)
