"""Gatys et al.'s losses, normalised so the same weights work at every size.

- Gram matrices are divided by the number of positions, so a style image's
  statistics do not depend on its size.
- Each content and style layer's loss is relative to its target's energy
  (``||F - P||^2 / ||P||^2``), so layers and resolutions weigh alike and the
  weights are plain ratios.
- Total variation is scaled by the image size squared: neighbouring pixels of
  a larger image differ less for the same picture.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

import torch

from ..backbone.features import positions_by_channels
from ..backbone.selection import LayerWeights, weight_sum
from ..imaging.picture import check_rgb_batch

TV_REFERENCE_SIDE = 512
EPS = 1e-8


class Losses(NamedTuple):
    """The weighted parts of the objective (0-d tensors); ``sum()`` gives the total."""

    content: torch.Tensor
    style: torch.Tensor
    tv: torch.Tensor
    temporal: torch.Tensor
    photo: torch.Tensor


def widened(rows: torch.Tensor) -> torch.Tensor:
    """``rows`` in at least float32 (bf16 -> float32; float64 stays), for products that must not round to bf16."""
    return rows.to(torch.promote_types(rows.dtype, torch.float32))


def gram_sum(rows: torch.Tensor) -> torch.Tensor:
    """(N, P, C) rows -> (N, C, C) ``R^T R`` in float32: a Gram matrix not yet divided by the P positions."""
    wide = widened(rows)
    return wide.transpose(1, 2) @ wide


class SymmetricGram(torch.autograd.Function):
    """``R^T R / P`` for (N, P, C) rows of features, differentiated with one product.

    Autograd would differentiate ``R^T @ R`` through each operand separately
    (two products) and add the two feature-sized results. The Gram matrix is
    symmetric, so the gradient is ``R (dG + dG^T) / P``: one product, no add.

    The Gram matrix is always computed in float32. Its gradient is computed
    in the rows' dtype: bf16 rows (activations straight from bf16
    convolutions) get a bf16 gradient, which is what those convolutions take
    in; only ``dG`` is rounded to bf16 first.
    """

    @staticmethod
    def forward(ctx, rows: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(rows)
        return gram_sum(rows) / rows.shape[1]

    @staticmethod
    def backward(ctx, gradient: torch.Tensor) -> torch.Tensor:
        (rows,) = ctx.saved_tensors
        return rows @ ((gradient + gradient.transpose(1, 2)) / rows.shape[1]).to(rows.dtype)


def gram_matrix(features: torch.Tensor) -> torch.Tensor:
    """(N, C, H, W) float32 or bf16 -> (N, C, C) float32 Gram matrices averaged over the H x W positions (the
    reference scorer's, benchmarks/transfer_quality.py)."""
    return SymmetricGram.apply(positions_by_channels(features))


def blended_grams(per_style: Sequence[Mapping[str, torch.Tensor]], blend: Sequence[float]) -> dict[str, torch.Tensor]:
    """Weighted average of several style images' Gram matrices, per layer (weights normalised to sum 1)."""
    total = float(sum(blend))
    return {layer: sum(w / total * grams[layer] for w, grams in zip(blend, per_style)) for layer in per_style[0]}


def _relative(difference: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return difference.pow(2).sum() / target.pow(2).sum().clamp(min=EPS)


def content_loss(feats: Mapping[str, torch.Tensor], targets: Mapping[str, torch.Tensor], layers: LayerWeights) -> torch.Tensor:
    """Weighted mean over layers of the relative squared feature error."""
    return sum(w * _relative(feats[name] - targets[name], targets[name]) for name, w in layers) / weight_sum(layers)


def style_loss_of_grams(grams: Mapping[str, torch.Tensor], targets: Mapping[str, torch.Tensor],
                        layers: LayerWeights) -> torch.Tensor:
    """Weighted mean over layers of the relative squared error of a picture's Gram matrices (N, C, C)."""
    return sum(w * _relative(grams[name] - targets[name], targets[name]) for name, w in layers) / weight_sum(layers)


def temporal_loss(x: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Ruder et al.'s temporal loss: mean squared difference to ``target`` where ``mask`` trusts it.

    Args:
        x: (N, 3, H, W) the image being optimised.
        target: (N, 3, H, W) the previous result warped onto this frame.
        mask: (N, 1, H, W) in [0, 1], 1 where the warp is reliable.

    The squared RGB distance is averaged over all pixels (not just the trusted
    ones), so a frame with much occlusion is pulled less, and the weight
    means the same at any size.

    Returns:
        0-d tensor, >= 0.
    """
    check_rgb_batch(x, "x")
    check_rgb_batch(target, "target")
    return (mask * (x - target).pow(2)).sum(dim=1).mean()


def tv_loss(x: torch.Tensor, weights: torch.Tensor | None = None) -> torch.Tensor:
    """Total variation: the mean squared difference of neighbouring pixels, scaled to a 512 px image.

    Args:
        x: (N, 3, H, W) RGB.
        weights: optional (N or 1, 1, H, W) in [0, 1]: each pair of neighbours
            counts by the mean of their two weights (0: not at all).

    Returns:
        0-d tensor, >= 0.
    """
    check_rgb_batch(x, "x")
    scale = (max(x.shape[-2:]) / TV_REFERENCE_SIDE) ** 2
    dy = (x[..., 1:, :] - x[..., :-1, :]).pow(2)
    dx = (x[..., :, 1:] - x[..., :, :-1]).pow(2)
    if weights is not None:
        dy = dy * (weights[..., 1:, :] + weights[..., :-1, :]) / 2
        dx = dx * (weights[..., :, 1:] + weights[..., :, :-1]) / 2
    return (dx.mean() + dy.mean()) * scale


def range_penalty(x: torch.Tensor, weight: float) -> tuple[torch.Tensor, torch.Tensor]:
    """``weight`` times the mean squared distance of ``x`` outside [0, 1], and its gradient.

    Args:
        x: the image being optimised, (N, 3, H, W) or any shape: the penalty is per value, and values
            inside [0, 1] cost nothing.
        weight: the penalty's weight.

    Returns:
        (0-d penalty, gradient shaped like ``x``), both without autograd.
    """
    with torch.no_grad():
        outside = x.clamp(0.0, 1.0).sub_(x).neg_()  # in place: on a 4096 px image each copy is 200 MB
        penalty = weight * outside.pow(2).mean()
        return penalty, outside.mul_(2 * weight / outside.numel())


def pixel_losses(x: torch.Tensor, tv_weight: float, temporal=None, coverage: torch.Tensor | None = None,
                 matting=None, matting_weight: float = 0.0) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The weighted per-pixel terms of (N, 3, H, W) ``x``: (total variation, temporal, photorealism).

    ``temporal`` is an optional target with ``image``, ``mask`` and ``weight``
    (:class:`dreamstyle.styletransfer.engine.TemporalTarget`); without one the term is 0.
    ``coverage`` (1, 1, H, W), where regions confine the style, weighs the
    total variation (see :mod:`dreamstyle.styletransfer.regions`).
    ``matting`` (a :class:`~dreamstyle.styletransfer.photo.MattingLaplacian` of
    the content) gives the photorealism term; without one it is 0.
    These terms need no network, so they are never tiled.
    """
    tv = tv_weight * tv_loss(x, coverage)
    photo = x.new_zeros(()) if matting is None else matting_weight * matting.energy(x)
    if temporal is None:
        return tv, x.new_zeros(()), photo
    return tv, temporal.weight * temporal_loss(x, temporal.image, temporal.mask), photo
