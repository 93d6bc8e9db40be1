"""Resizing image tensors with a high-quality filter."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ..errors import InvalidArgumentError


def fit_longest_side(height: int, width: int, longest: int) -> tuple[int, int]:
    """(height, width) scaled so the longer side is ``longest`` px, aspect ratio kept."""
    if longest < 1:
        raise InvalidArgumentError.about("size", f"must be a positive number of pixels, got {longest}")
    scale = longest / max(height, width)
    return max(1, round(height * scale)), max(1, round(width * scale))


def resize(x: torch.Tensor, size: tuple[int, int], clamp: bool = True, mode: str = "bicubic") -> torch.Tensor:
    """Bicubic (or ``mode``) resize of (..., C, H, W) to ``size`` = (height, width).

    Antialiased when shrinking (so no aliasing moire). Pixel values in [0, 1]
    are clamped back into range because bicubic overshoots at hard edges; pass
    ``clamp=False`` for signed data such as an image difference.
    """
    if tuple(x.shape[-2:]) == tuple(size):
        return x
    lead = x.shape[:-3]
    flat = x.reshape(-1, *x.shape[-3:])
    out = F.interpolate(flat.float(), size=size, mode=mode, align_corners=False, antialias=True)
    if clamp:
        out = out.clamp_(0.0, 1.0)
    return out.reshape(*lead, *out.shape[-3:]).to(x.dtype)


def resize_longest_side(x: torch.Tensor, longest: int) -> torch.Tensor:
    """Resize (..., C, H, W) so its longer side is ``longest`` px, keeping the aspect ratio."""
    return resize(x, fit_longest_side(x.shape[-2], x.shape[-1], longest))
