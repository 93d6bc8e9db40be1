"""Zoom and rotate feedback: each frame dreams on the previous one, slightly transformed."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from ..backbone import VGGFeatures
from ..errors import InvalidArgumentError
from ..imaging.colour import match_colors
from .config import DreamConfig
from .engine import ProgressCallback, dream_tensor


@dataclass(frozen=True)
class ZoomConfig:
    """Settings of a zoom animation.

    Attributes:
        frames: number of frames.
        zoom: scale factor from one frame to the next (> 1 zooms in, < 1 out).
        rotate: degrees of counter-clockwise rotation per frame.
        colour_hold: how far each frame's colours are pulled back to the first
            dreamed frame's (mean and covariance of its RGB), in [0, 1]. Every
            frame dreams on the last one, so without it colour and contrast
            build up frame after frame until a long zoom burns out; 0 lets them.
    """

    frames: int
    zoom: float = 1.04
    rotate: float = 0.0
    colour_hold: float = 1.0

    def __post_init__(self) -> None:
        if self.frames < 1:
            raise InvalidArgumentError(f"zoom frames must be at least 1, got {self.frames}")
        if self.zoom <= 0:
            raise InvalidArgumentError.about("zoom", f"must be positive, got {self.zoom}")
        if not 0 <= self.colour_hold <= 1:
            raise InvalidArgumentError.about("colour_hold", f"must be between 0 and 1, got {self.colour_hold}")


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
    mask: torch.Tensor | None = None,
) -> Iterator[torch.Tensor]:
    """Yield ``zoom.frames`` dreamed frames (N, 3, H, W), each grown from the last one zoomed and rotated.

    Frame k uses seed ``seed + k``, so the animation is reproducible and the
    jitter differs from frame to frame. ``callback(k)`` may return a progress
    callback for frame k. Frames after the first keep its colours as
    ``zoom.colour_hold`` says. ``mask`` (1, 1, h, w), fixed on the frame,
    says where each frame may dream (the zoom carries what was dreamed outward).
    """
    frame = image
    first = None
    for index in range(zoom.frames):
        frame = dream_tensor(net, frame, config, seed=seed + index, guide=guide,
                             callback=callback(index) if callback else None, mask=mask)
        if first is None:
            first = frame
        elif zoom.colour_hold:
            frame = torch.lerp(frame, match_colors(frame, first), zoom.colour_hold)
        yield frame
        frame = zoom_rotate(frame, zoom.zoom, zoom.rotate)
