"""Gradient smoothing: what makes DeepDream patterns flowing shapes, not pixel noise.

All functions take and return gradients shaped (N, 3, H, W).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

LAPLACIAN_LEVELS = 4


def gaussian_blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """Separable Gaussian blur with reflected borders."""
    radius = max(1, math.ceil(3 * sigma))
    radius = min(radius, x.shape[-1] - 1, x.shape[-2] - 1)
    if radius < 1:
        return x
    offsets = torch.arange(-radius, radius + 1, device=x.device, dtype=x.dtype)
    kernel = torch.exp(-0.5 * (offsets / sigma) ** 2)
    kernel = kernel / kernel.sum()
    channels = x.shape[1]
    horizontal = kernel.view(1, 1, 1, -1).expand(channels, 1, 1, -1)
    vertical = kernel.view(1, 1, -1, 1).expand(channels, 1, -1, 1)
    x = F.conv2d(F.pad(x, (radius, radius, 0, 0), mode="reflect"), horizontal, groups=channels)
    return F.conv2d(F.pad(x, (0, 0, radius, radius), mode="reflect"), vertical, groups=channels)


def gaussian_cascade(grad: torch.Tensor, progress: float) -> torch.Tensor:
    """Average of three blurs (sigma/2, sigma, 2 sigma), sigma growing from 0.5 to 2.5 over an octave.

    Early steps keep fine gradient detail; later ones keep only broad strokes,
    which stops the noise that builds up when an octave runs long.
    """
    sigma = 0.5 + 2.0 * progress
    return sum(gaussian_blur(grad, s) for s in (0.5 * sigma, sigma, 2.0 * sigma)) / 3.0


def _downsample(x: torch.Tensor) -> torch.Tensor:
    size = (max(1, x.shape[-2] // 2), max(1, x.shape[-1] // 2))
    return F.interpolate(x, size=size, mode="bilinear", align_corners=False, antialias=True)


def _upsample(x: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    return F.interpolate(x, size=size, mode="bilinear", align_corners=False)


def laplacian_normalize(grad: torch.Tensor, levels: int = LAPLACIAN_LEVELS) -> torch.Tensor:
    """Split into a Laplacian pyramid, give every band unit standard deviation, merge back.

    The raw gradient is dominated by high frequencies; equalising the bands
    lets coarse structure grow as fast as fine detail (Mordvintsev's
    ``lap_normalize`` from the TensorFlow DeepDream tutorial).

    ``grad`` is overwritten: every band is made and rescaled in the memory of
    the level it comes from, so an 8192 px gradient needs two full-size
    buffers here instead of five.
    """
    bands = []
    current = grad
    for _ in range(levels - 1):
        if min(current.shape[-2:]) < 2:
            break
        low = _downsample(current)
        bands.append(current.sub_(_upsample(low, current.shape[-2:])))
        current = low
    bands.append(current)
    merged = None
    for band in reversed(bands):
        band.div_(band.std(dim=(1, 2, 3), keepdim=True, unbiased=False).clamp(min=1e-8))
        merged = band if merged is None else band.add_(_upsample(merged, band.shape[-2:]))
    return merged


def smooth_gradient(grad: torch.Tensor, kind: str, progress: float) -> torch.Tensor:
    """Apply smoothing ``kind`` ("none", "gaussian", "laplacian"); ``progress`` in [0, 1) within the octave.

    ``grad`` may be overwritten.
    """
    if kind == "gaussian":
        return gaussian_cascade(grad, progress)
    if kind == "laplacian":
        return laplacian_normalize(grad)
    return grad
