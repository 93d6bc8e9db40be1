"""Matching one image's colour statistics to another's (mean and covariance of its RGB pixels)."""

from __future__ import annotations

import torch

from .picture import check_rgb_batch

# Floor of the covariance's eigenvalues: a grey image's covariance is singular.
COVARIANCE_EPS = 1e-5


def _matrix_power(covariance: torch.Tensor, power: float) -> torch.Tensor:
    values, vectors = torch.linalg.eigh(covariance)
    return vectors @ torch.diag(values.clamp(min=COVARIANCE_EPS) ** power) @ vectors.T


def match_colors(source: torch.Tensor, target: torch.Tensor, source_weights: torch.Tensor | None = None,
                 target_weights: torch.Tensor | None = None) -> torch.Tensor:
    """Recolour ``source`` so its pixel mean and covariance equal ``target``'s.

    Symmetric matrix square roots (the "Cholesky-free" variant) keep the
    transform free of rotations; the eigenvalue floor makes grey images,
    whose covariance is singular, safe.

    Args:
        source: (N, 3, h, w) RGB in [0, 1], recoloured.
        target: (M, 3, H, W) RGB in [0, 1] whose statistics (over all its pixels) are taken.
        source_weights / target_weights: optional (N or M, 1, h, w) weights in [0, 1] of each pixel
            in the statistics (a mask: only that part of the image counts).

    Returns:
        (N, 3, h, w) float32 RGB in [0, 1].
    """
    check_rgb_batch(source, "source")
    check_rgb_batch(target, "target")

    def stats(x: torch.Tensor, weights: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
        pixels = x.float().permute(1, 0, 2, 3).flatten(1)  # (3, P)
        if weights is None:
            mean = pixels.mean(dim=1, keepdim=True)
            centred = pixels - mean
            return mean, centred @ centred.T / max(1, pixels.shape[1] - 1)
        weights = weights.float().expand(x.shape[0], 1, *x.shape[-2:]).permute(1, 0, 2, 3).flatten(1)  # (1, P)
        total = weights.sum().clamp(min=COVARIANCE_EPS)
        mean = (weights * pixels).sum(dim=1, keepdim=True) / total
        centred = pixels - mean
        return mean, (weights * centred) @ centred.T / total

    mean_s, cov_s = stats(source, source_weights)
    mean_t, cov_t = stats(target, target_weights)
    transform = _matrix_power(cov_t, 0.5) @ _matrix_power(cov_s, -0.5)
    pixels = source.float().permute(1, 0, 2, 3).flatten(1)
    matched = transform @ (pixels - mean_s) + mean_t
    return matched.view(3, source.shape[0], *source.shape[-2:]).permute(1, 0, 2, 3).clamp(0.0, 1.0)
