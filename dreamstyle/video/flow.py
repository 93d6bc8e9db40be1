"""Optical flow between frames, warping, and which warped pixels can be trusted.

Flow comes from OpenCV's DIS (no model download). A flow ``f`` from frame A
to frame B is an (H, W, 2) tensor of (dx, dy) pixel displacements with
``A(p) ~ B(p + f(p))``; warping B by ``f`` therefore brings B onto A's pixel
grid. The reliability mask follows Ruder et al. (2016), "Artistic style
transfer for videos": a pixel is unreliable where the forward and backward
flows disagree (occlusion) or where the flow changes abruptly (motion
boundary).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import torch
import torch.nn.functional as F

# Ruder et al.'s thresholds: |w + w~|^2 > OCCLUSION_RELATIVE (|w|^2 + |w~|^2) + OCCLUSION_ABSOLUTE
# marks an occlusion, |grad w|^2 > BOUNDARY_RELATIVE |w|^2 + BOUNDARY_ABSOLUTE a motion boundary.
OCCLUSION_RELATIVE, OCCLUSION_ABSOLUTE = 0.01, 0.5
BOUNDARY_RELATIVE, BOUNDARY_ABSOLUTE = 0.01, 0.002

# DIS's presets by name: "medium" for the optimising engines, whose frames take
# seconds; "fast" where the flow would cost as much as the frame (the instant engine).
FLOW_PRESETS = {"medium": cv2.DISOPTICAL_FLOW_PRESET_MEDIUM, "fast": cv2.DISOPTICAL_FLOW_PRESET_FAST}


def _gray_uint8(frame: torch.Tensor) -> np.ndarray:
    """(1, 3, H, W) or (3, H, W) RGB in [0, 1] -> (H, W) uint8 luma for OpenCV."""
    rgb = frame.detach().reshape(-1, *frame.shape[-3:])[0].float().cpu()
    luma = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]
    return (luma.clamp(0, 1) * 255).round().to(torch.uint8).numpy()


def optical_flow(source: torch.Tensor, target: torch.Tensor, preset: str = "medium") -> torch.Tensor:
    """DIS optical flow from ``source`` to ``target`` (both RGB in [0, 1], same size), with a DIS ``preset``.

    Returns:
        (H, W, 2) float32 on the CPU: (dx, dy) with ``source(p) ~ target(p + flow(p))``.
    """
    dis = cv2.DISOpticalFlow_create(FLOW_PRESETS[preset])
    flow = dis.calc(_gray_uint8(source), _gray_uint8(target), None)
    return torch.from_numpy(flow)


def warp(image: torch.Tensor, flow: torch.Tensor) -> torch.Tensor:
    """Sample ``image`` (N, C, H, W) at ``p + flow(p)``: bring it onto the grid the flow starts from.

    Bilinear, with borders repeated where the flow points outside the frame.
    """
    height, width = image.shape[-2:]
    flow = flow.to(image.device, torch.float32)
    ys, xs = torch.meshgrid(torch.arange(height, device=image.device, dtype=torch.float32),
                            torch.arange(width, device=image.device, dtype=torch.float32), indexing="ij")
    x = (xs + flow[..., 0]) * (2 / max(width - 1, 1)) - 1
    y = (ys + flow[..., 1]) * (2 / max(height - 1, 1)) - 1
    grid = torch.stack([x, y], dim=-1).unsqueeze(0).expand(image.shape[0], -1, -1, -1)
    return F.grid_sample(image.float(), grid, mode="bilinear", padding_mode="border", align_corners=True)


def reliability(forward: torch.Tensor, backward: torch.Tensor) -> torch.Tensor:
    """Where ``forward`` (A -> B) can be trusted, checked against ``backward`` (B -> A).

    Returns:
        (H, W) float32 mask on A's grid: 1 where the flow is consistent and
        smooth, 0 at occlusions, motion boundaries and where it leaves the
        frame (content entering at an edge has no earlier pixel; the round
        trip cannot see that, because warping repeats the border).
    """
    returned = warp(backward.permute(2, 0, 1).unsqueeze(0), forward)[0].permute(1, 2, 0)
    round_trip = (forward + returned).pow(2).sum(-1)
    occluded = round_trip > OCCLUSION_RELATIVE * (forward.pow(2).sum(-1) + returned.pow(2).sum(-1)) + OCCLUSION_ABSOLUTE
    dy, dx = torch.gradient(forward, dim=(0, 1))
    boundary = (dx.pow(2) + dy.pow(2)).sum(-1) > BOUNDARY_RELATIVE * forward.pow(2).sum(-1) + BOUNDARY_ABSOLUTE
    height, width = forward.shape[:2]
    ys, xs = torch.meshgrid(torch.arange(height, dtype=forward.dtype), torch.arange(width, dtype=forward.dtype),
                            indexing="ij")
    x, y = xs + forward[..., 0], ys + forward[..., 1]
    outside = (x < 0) | (x > width - 1) | (y < 0) | (y > height - 1)
    return (~(occluded | boundary | outside)).float()


@dataclass(frozen=True)
class Motion:
    """How the previous frame maps onto the current one.

    Attributes:
        flow: (H, W, 2) flow from the current frame to the previous one.
        mask: (1, 1, H, W) 1 where the previous frame's warped pixel can be trusted.
    """

    flow: torch.Tensor
    mask: torch.Tensor

    @classmethod
    def between(cls, previous: torch.Tensor, current: torch.Tensor, preset: str = "medium") -> "Motion":
        """Flow and reliability from two input frames (1, 3, H, W) in [0, 1], with a DIS ``preset``."""
        to_previous = optical_flow(current, previous, preset)
        to_current = optical_flow(previous, current, preset)
        return cls(to_previous, reliability(to_previous, to_current).view(1, 1, *to_previous.shape[:2]))

    @classmethod
    def still(cls, height: int, width: int) -> "Motion":
        """No motion, every pixel trusted (the ``blend`` mode)."""
        return cls(torch.zeros(height, width, 2), torch.ones(1, 1, height, width))

    def carry(self, previous: torch.Tensor) -> torch.Tensor:
        """``previous`` (N, C, H, W) warped onto the current frame."""
        return warp(previous, self.flow)
