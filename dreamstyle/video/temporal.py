"""Temporal consistency: each frame of a clip starts from the previous frame's result.

The engines run unchanged; a video adds a warm start (and, for style
transfer, Ruder et al.'s temporal loss) built from the previous frame:

- ``none``: every frame is processed like a still, independently.
- ``blend``: the previous result is carried over as it is, without motion
  compensation (DeepDreamVideo's approach: cheap, but moving things trail).
- ``flow``: the previous result is warped along the optical flow between the
  two input frames; where the flow cannot be trusted (occlusions, motion
  boundaries) the new frame's own pixels are used.

Later frames need fewer iterations than the first: they start close to the
answer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any

import torch
import torch.nn.functional as F

from ..backbone import VGGFeatures
from ..deepdream import DreamConfig, dream_tensor
from ..deepdream.request import PreparedDream
from ..imaging.colour import match_colors
from ..imaging.mask import mask_at
from ..styletransfer import TransferConfig, transfer_tensor
from ..styletransfer.engine import TemporalTarget
from ..styletransfer.regions import Regions
from ..styletransfer.request import PreparedTransfer
from .config import TemporalConfig
from .flow import Motion



@dataclass(frozen=True)
class Previous:
    """The frame before: its input and the result as written (both (1, 3, H, W) in [0, 1], on the CPU)."""

    input: torch.Tensor
    output: torch.Tensor

    def motion(self, current: torch.Tensor, mode: str, preset: str = "medium") -> Motion:
        """How this frame maps onto ``current``: optical flow (DIS ``preset``), or none at all in ``blend`` mode."""
        if mode == "flow":
            return Motion.between(self.input, current, preset)
        return Motion.still(*current.shape[-2:])


FrameCallback = Callable[[Any], None] | None
# (frame index, input frame (1, 3, H, W), the previous frame or None, progress callback) -> result (1, 3, H, W)
FrameRenderer = Callable[[int, torch.Tensor, Previous | None, FrameCallback], torch.Tensor]
# (frame index, frame size (H, W)) -> the dream's mask for that frame (1, 1, H, W), or None for none
DreamMasks = Callable[[int, tuple[int, int]], torch.Tensor | None]
# (frame index, frame size (H, W)) -> where each style lands on that frame, or None for everywhere
StyleRegions = Callable[[int, tuple[int, int]], Regions | None]


def no_masks(index: int, size: tuple[int, int]) -> None:
    """No mask on any frame."""
    return None


def later_dream_config(config: DreamConfig, temporal: TemporalConfig) -> DreamConfig:
    """The dream config of every frame after a clip's first: a few steps on the detail carried over."""
    return config if temporal.mode == "none" else replace(config, iterations=temporal.frame_iterations)


def later_transfer_config(config: TransferConfig, temporal: TemporalConfig) -> TransferConfig:
    """The transfer config of every frame after a clip's first: one scale, from the previous result warped."""
    if temporal.mode == "none":
        return config
    return replace(config, scales=1, iterations=temporal.frame_iterations, init="image")


def frame_renderer(prepared: PreparedDream | PreparedTransfer, temporal: TemporalConfig) -> FrameRenderer:
    """The frame renderer of a prepared dream (:func:`dream_renderer`) or transfer (:func:`transfer_renderer`)."""
    run, request = prepared.run, prepared.request
    if isinstance(prepared, PreparedDream):
        return dream_renderer(prepared.net, run.config, temporal, seed=run.seed, guide=request.guide,
                              masks=request.masks)
    return transfer_renderer(prepared.net, list(request.styles), run.config, temporal, seed=run.seed,
                             regions=request.regions)


def dream_renderer(net: VGGFeatures, config: DreamConfig, temporal: TemporalConfig, *, seed: int,
                   guide: torch.Tensor | None = None, masks: DreamMasks = no_masks) -> FrameRenderer:
    """Dreams frame by frame; each frame starts from the previous frame's dreamed detail, carried over.

    Every frame uses the same seed, so the jitter sequence does not flicker.
    A later frame's few steps on the carried detail would settle weaker than
    the first frame's full dream, and the clip would fade; so its detail is
    scaled to the previous frame's strength (:func:`hold_strength`), and every
    frame keeps the first frame's, a still's, strength. With ``masks``, the
    detail carried over is masked by this frame's mask too, so it follows the mask.
    """
    later = later_dream_config(config, temporal)

    def dream_still(crop: torch.Tensor, crop_mask: torch.Tensor | None) -> torch.Tensor:
        return dream_tensor(net, crop, config, seed=seed, guide=guide, mask=crop_mask)

    def render(index: int, frame: torch.Tensor, previous: Previous | None, callback: FrameCallback = None
               ) -> torch.Tensor:
        mask = masks(index, tuple(frame.shape[-2:]))
        if previous is None or temporal.mode == "none":
            return dream_tensor(net, frame, config, seed=seed, guide=guide, callback=callback, mask=mask)
        motion = previous.motion(frame, temporal.mode)
        carried = motion.carry(previous.output - previous.input) * motion.mask
        new = new_area_detail(frame, 1.0 - motion.mask, dream_still, mask)
        # New pixels' still detail is blended as the carried detail is, so the frame's steps find both alike.
        detail = temporal.blend * (carried + new)
        if mask is not None:
            detail = detail * mask
        start = (frame + detail).clamp_(0.0, 1.0)
        dreamed = dream_tensor(net, start, later, seed=seed, guide=guide, callback=callback, mask=mask)
        return hold_strength(dreamed, frame, float(detail_strength(previous.output, previous.input)))

    return render


# Context kept around the pixels that came into view when they are dreamed on
# their own (px): the deep layers see about this far, so the crop's dream of
# them is the still's, not an edge's.
NEW_AREA_MARGIN = 48
# Beyond this share of the frame, the crop around new pixels is the frame itself.
WHOLE_FRAME_SHARE = 0.6


def new_area_box(unreliable: torch.Tensor, margin: int = NEW_AREA_MARGIN) -> tuple[slice, slice] | None:
    """(rows, columns) of the box around ``unreliable`` (1, 1, H, W) pixels over 0.5, ``margin`` px wider, or None."""
    rows = torch.nonzero(unreliable.amax(dim=(0, 1, 3)) > 0.5).flatten()
    columns = torch.nonzero(unreliable.amax(dim=(0, 1, 2)) > 0.5).flatten()
    if rows.numel() == 0:
        return None
    height, width = unreliable.shape[-2:]
    top, bottom = max(0, int(rows[0]) - margin), min(height, int(rows[-1]) + 1 + margin)
    left, right = max(0, int(columns[0]) - margin), min(width, int(columns[-1]) + 1 + margin)
    if (bottom - top) * (right - left) > WHOLE_FRAME_SHARE * height * width:
        return slice(0, height), slice(0, width)
    return slice(top, bottom), slice(left, right)


def new_area_detail(frame: torch.Tensor, unreliable: torch.Tensor,
                    dream_crop: Callable[[torch.Tensor, torch.Tensor | None], torch.Tensor],
                    mask: torch.Tensor | None = None) -> torch.Tensor:
    """A still's dreamed detail for the pixels of ``frame`` that nothing can be carried to (``unreliable``).

    A pixel that comes into view has no detail to carry; a later frame's few
    steps would leave it weak for many frames (a fast pan's new edge). So the
    box around such pixels is dreamed as a still (``dream_crop(crop, its
    mask)``, the full schedule), and its detail fades in by ``unreliable``.

    Args:
        frame: (1, 3, H, W) in [0, 1].
        unreliable: (1, 1, H, W) in [0, 1]: 1 where the previous frame's result cannot be carried.
        dream_crop: dreams a (1, 3, h, w) crop under its (1, 1, h, w) mask or None.
        mask: the frame's dream mask, (1, 1, H, W) or None.

    Returns:
        (1, 3, H, W): zero where every pixel is carried.
    """
    detail = torch.zeros_like(frame)
    box = new_area_box(unreliable)
    if box is None:
        return detail
    crop = frame[(..., *box)]
    crop_mask = None if mask is None else mask_at(mask, tuple(frame.shape[-2:]))[(..., *box)]
    detail[(..., *box)] = dream_crop(crop, crop_mask).to(crop) - crop
    return detail * unreliable


def detail_strength(output: torch.Tensor, frame: torch.Tensor) -> torch.Tensor:
    """How strongly ``output`` departs from ``frame`` (both (N, 3, H, W) in [0, 1]): the mean absolute difference."""
    return (output - frame.to(output)).abs().mean()


# Matching a dream's strength as stored (clipped to [0, 1], in 8-bit levels) is
# a root search on the detail's gain: at most this many secant steps, until the
# strength is this close (relative). Every frame builds on the last, so even a
# small shortfall per frame would add up to a fade over a long clip.
STRENGTH_ROUNDS = 8
STRENGTH_TOLERANCE = 1e-4


def hold_strength(output: torch.Tensor, frame: torch.Tensor, strength: float) -> torch.Tensor:
    """``output``'s detail over ``frame`` scaled so that, as an 8-bit file stores it, it has ``strength``.

    Matching the stored picture, not the exact one, keeps rounding from
    taking a little strength off every frame of a long clip.

    Args:
        output: (N, 3, H, W) a dream of ``frame``, in [0, 1].
        frame: (N, 3, H, W) the frame it was dreamed on, in [0, 1].
        strength: the wanted :func:`detail_strength`, >= 0.

    Returns:
        (N, 3, H, W) in [0, 1], on ``output``'s device.
    """
    frame = frame.to(output)
    detail = output - frame

    def stored_strength(gain: float) -> float:
        return float(detail_strength(in_8_bit_levels(frame + gain * detail), frame))

    gain, reached = 1.0, stored_strength(1.0)
    if reached <= 0:
        return output
    previous_gain, previous_reached = 0.0, 0.0
    for _ in range(STRENGTH_ROUNDS):
        if abs(reached - strength) <= STRENGTH_TOLERANCE * strength or reached == previous_reached:
            break
        slope = (reached - previous_reached) / (gain - previous_gain)
        previous_gain, previous_reached = gain, reached
        gain = max(gain / 2, gain + (strength - reached) / slope)  # never to 0, where the slope is lost
        reached = stored_strength(gain)
    return (frame + gain * detail).clamp_(0.0, 1.0)


def transfer_renderer(net: VGGFeatures, styles: list[torch.Tensor], config: TransferConfig,
                      temporal: TemporalConfig, *, seed: int, regions: StyleRegions = no_masks) -> FrameRenderer:
    """Stylises frame by frame; each frame starts from the previous result, warped, with a temporal loss.

    Where the warp cannot be trusted (what came into view, what was hidden)
    the start is the frame recoloured to the previous result's colours
    (:func:`~dreamstyle.imaging.colour.match_colors`): the photo's own colours
    there would survive the few iterations a later frame gets. ``regions``
    gives each frame's masks.
    """
    if config.engine == "instant":
        return instant_renderer(net, styles, config, temporal, seed=seed, regions=regions)
    later = later_transfer_config(config, temporal)

    def render(index: int, frame: torch.Tensor, previous: Previous | None, callback: FrameCallback = None
               ) -> torch.Tensor:
        frame_regions = regions(index, tuple(frame.shape[-2:]))
        if previous is None or temporal.mode == "none":
            return transfer_tensor(net, frame, styles, config, seed=seed, regions=frame_regions, callback=callback)
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


# An instant frame is painted afresh in one pass, and painted alone it flickers. Where the flow can be trusted,
# this share (times the clip's blend) of the previous frame's picture, warped along the flow, is kept, so the
# strokes move with the picture (benchmarks/RESULTS.md, "Instant style").
INSTANT_CARRY = 0.7


def instant_renderer(net: VGGFeatures, styles: list, config: TransferConfig, temporal: TemporalConfig, *,
                     seed: int, regions: StyleRegions = no_masks) -> FrameRenderer:
    """Paints frame by frame with the instant engine, keeping part of the previous picture where it moved to."""

    def render(index: int, frame: torch.Tensor, previous: Previous | None, callback: FrameCallback = None
               ) -> torch.Tensor:
        frame_regions = regions(index, tuple(frame.shape[-2:]))
        painted = transfer_tensor(net, frame, styles, config, seed=seed, regions=frame_regions, callback=callback)
        if previous is None or temporal.mode == "none":
            return painted
        motion = previous.motion(frame, temporal.mode, preset="fast")
        return torch.lerp(painted, motion.carry(previous.output), motion.mask * (INSTANT_CARRY * temporal.blend))

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


def in_8_bit_levels(x: torch.Tensor) -> torch.Tensor:
    """``x`` clipped to [0, 1] and rounded to the 256 levels an 8-bit file holds."""
    return x.clamp(0.0, 1.0).mul(255.0).round().div(255.0)


def quantise(x: torch.Tensor) -> torch.Tensor:
    """``x`` as an 8-bit file stores it, on the CPU: the next frame builds on what a resumed run would read back."""
    return in_8_bit_levels(x.detach().float().cpu())


def render_sequence(frames: Iterable[tuple[int, torch.Tensor]], render: FrameRenderer,
                    previous: Previous | None = None,
                    callback_for: Callable[[int], FrameCallback] | None = None,
                    ) -> Iterator[tuple[int, torch.Tensor, torch.Tensor]]:
    """Render (index, input (1, 3, H, W)) frames in order, each on the previous one.

    Args:
        frames: the inputs, in order.
        render: a renderer from :func:`dream_renderer` or :func:`transfer_renderer`.
        previous: the frame before the first one, when continuing a sequence.
        callback_for: gives the engine's progress callback for frame ``index``.

    Yields:
        (index, input, result quantised to 8 bits), all on the CPU.
    """
    for index, frame in frames:
        frame = frame.detach().float().cpu()
        callback = callback_for(index) if callback_for else None
        output = quantise(render(index, frame, previous, callback))
        yield index, frame, output
        previous = Previous(frame, output)

