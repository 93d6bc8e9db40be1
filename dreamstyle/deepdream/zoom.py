"""Zoom and rotate feedback: each frame dreams on the previous one, slightly transformed."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from ..backbone import VGGFeatures
from ..errors import InvalidArgumentError
from .config import DreamConfig
from .engine import ProgressCallback, dream_tensor


@dataclass(frozen=True)
class ZoomConfig:
    """Settings of a zoom animation.

    Attributes:
        frames: number of frames.
        zoom: scale factor from one frame to the next (> 1 zooms in, < 1 out).
        rotate: degrees of counter-clockwise rotation per frame.
    """

    frames: int
    zoom: float = 1.04
    rotate: float = 0.0

    def __post_init__(self) -> None:
        if self.frames < 1:
            raise InvalidArgumentError(f"zoom frames must be at least 1, got {self.frames}")
        if self.zoom <= 0:
            raise InvalidArgumentError(f"zoom must be positive, got {self.zoom}")


def zoom_rotate(x: torch.Tensor, zoom: float, degrees: float) -> torch.Tensor:
    """Scale (N, 3, H, W) about its centre by ``zoom`` and rotate it by ``degrees``, keeping its size.

    Borders uncovered by zooming out or rotating are filled by reflection.
    """
    if zoom == 1 and degrees == 0:
        return x
    angle = math.radians(degrees)
    height, width = x.shape[-2:]
    aspect = width / height
    cos, sin = math.cos(angle) / zoom, math.sin(angle) / zoom
    # affine_grid works in [-1, 1] coordinates; correct for non-square images so rotation is rigid.
    theta = torch.tensor([[cos, -sin / aspect, 0.0], [sin * aspect, cos, 0.0]], dtype=x.dtype, device=x.device)
    grid = F.affine_grid(theta.expand(x.shape[0], 2, 3), list(x.shape), align_corners=False)
    out = F.grid_sample(x, grid, mode="bicubic", padding_mode="reflection", align_corners=False)
    return out.clamp_(0.0, 1.0)


def zoom_frames(
    net: VGGFeatures,
    image: torch.Tensor,
    config: DreamConfig,
    zoom: ZoomConfig,
    *,
    seed: int,
    guide: torch.Tensor | None = None,
    callback: Callable[[int], ProgressCallback | None] | None = None,
) -> Iterator[torch.Tensor]:
    """Yield ``zoom.frames`` dreamed frames (N, 3, H, W), each grown from the last one zoomed and rotated.

    Frame k uses seed ``seed + k``, so the animation is reproducible and the
    jitter differs from frame to frame. ``callback(k)`` may return a progress
    callback for frame k.
    """
    frame = image
    for index in range(zoom.frames):
        frame = dream_tensor(net, frame, config, seed=seed + index, guide=guide,
                             callback=callback(index) if callback else None)
        yield frame
        frame = zoom_rotate(frame, zoom.zoom, zoom.rotate)
