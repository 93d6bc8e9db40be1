"""A transfer's clip: each frame starts from the previous result warped along the flow, with a temporal loss.

The Gatys engine's frame renderer (:func:`transfer_renderer`) for every front
end that renders clips (:mod:`dreamstyle.video.render`,
:func:`dreamstyle.video.transfer_frames`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import torch
import torch.nn.functional as F

from ..backbone import VGGFeatures
from ..imaging.colour import match_colors
from ..masks import Regions
from ..video.config import TemporalConfig
from ..video.temporal import FrameCallback, FrameRenderer, Previous
from .config import TransferConfig
from .engine import TemporalTarget, transfer_tensor
from .starts import Painter

# (frame index, frame size (H, W)) -> where each style lands on that frame, or None for everywhere
FrameRegions = Callable[[int, tuple[int, int]], Regions | None]


def no_regions(index: int, size: tuple[int, int]) -> None:
    """Every style everywhere, on every frame."""
    return None


def later_transfer_config(config: TransferConfig, temporal: TemporalConfig) -> TransferConfig:
    """The transfer config of every frame after a clip's first: one scale, from the previous result warped."""
    if temporal.mode == "none":
        return config
    return replace(config, scales=1, iterations=temporal.frame_iterations, init="image")


def transfer_renderer(net: VGGFeatures, styles: list[torch.Tensor], config: TransferConfig,
                      temporal: TemporalConfig, *, seed: int, regions: FrameRegions = no_regions,
                      painter: Painter | None = None) -> FrameRenderer:
    """Stylises frame by frame; each frame starts from the previous result, warped, with a temporal loss.

    Where the warp cannot be trusted (what came into view, what was hidden)
    the start is the frame recoloured to the previous result's colours
    (:func:`~dreamstyle.imaging.colour.match_colors`): the photo's own colours
    there would survive the few iterations a later frame gets. ``regions``
    gives each frame's masks; ``painter`` the first frame's start under ``init="instant"``.
    """
    later = later_transfer_config(config, temporal)

    def render(index: int, frame: torch.Tensor, previous: Previous | None, callback: FrameCallback = None
               ) -> torch.Tensor:
        frame_regions = regions(index, tuple(frame.shape[-2:]))
        if previous is None or temporal.mode == "none":
            return transfer_tensor(net, frame, styles, config, seed=seed, regions=frame_regions, callback=callback,
                                   painter=painter)
        motion = previous.motion(frame, temporal.mode)
        carried = motion.carry(previous.output)
        fresh = match_colors(frame, previous.output)
        start = torch.lerp(fresh, frame + temporal.blend * (carried - frame), motion.mask)
        target = None
        if temporal.mode == "flow" and temporal.temporal_weight > 0:
            target = TemporalTarget(carried, settled(motion.mask), temporal.temporal_weight)
        return transfer_tensor(net, frame, styles, later, seed=seed, init_image=start, temporal=target,
                               regions=frame_regions, callback=callback)

    return render


# How far (a share of the frame's longer side) a pixel must lie from the
# unreliable ones before the temporal loss holds it fully.
SETTLING_DISTANCE = 0.1


def settled(mask: torch.Tensor) -> torch.Tensor:
    """(1, 1, H, W): 0 at unreliable pixels of ``mask``, rising to 1 at SETTLING_DISTANCE of the longer side from them.

    In a pan, the distance from what came into view now is how many frames ago
    a pixel came into view; a pixel that did only lately has had a few frames'
    iterations of style, so the temporal loss lets it go on taking more.
    """
    steps = max(1, round(SETTLING_DISTANCE * max(mask.shape[-2:])))
    eroded, total = mask, torch.zeros_like(mask)
    for _ in range(steps):
        eroded = -F.max_pool2d(-eroded, 3, stride=1, padding=1)
        total += eroded
    return total / steps
