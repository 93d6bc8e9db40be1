"""A dream's clip: each frame starts from the previous frame's dreamed detail, carried along the flow.

The dream's frame renderer (:func:`dream_renderer`) for every front end that
renders clips (:mod:`dreamstyle.video.render`, :func:`dreamstyle.video.dream_frames`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import torch

from ..backbone import VGGFeatures
from ..imaging.mask import mask_at
from ..video.config import TemporalConfig
from ..video.temporal import FrameCallback, FrameRenderer, Previous, in_8_bit_levels
from .config import DreamConfig
from .engine import dream_tensor

# (frame index, frame size (H, W)) -> the dream's mask for that frame (1, 1, H, W), or None for none
DreamMasks = Callable[[int, tuple[int, int]], torch.Tensor | None]


def no_mask(index: int, size: tuple[int, int]) -> None:
    """No mask on any frame."""
    return None


def later_dream_config(config: DreamConfig, temporal: TemporalConfig) -> DreamConfig:
    """The dream config of every frame after a clip's first: a few steps on the detail carried over."""
    return config if temporal.mode == "none" else replace(config, iterations=temporal.frame_iterations)


def dream_renderer(net: VGGFeatures, config: DreamConfig, temporal: TemporalConfig, *, seed: int,
                   guide: torch.Tensor | None = None, masks: DreamMasks = no_mask) -> FrameRenderer:
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
