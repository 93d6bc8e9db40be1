"""Temporal stability: the warping error E_warp of Lai et al. (2018), "Learning Blind Video Temporal Consistency".

For consecutive frames, the later output is compared with the earlier output
warped along the *input* clip's optical flow, on the pixels where that flow
is reliable:

    E_warp(O_t-1, O_t) = sum_p M(p) ||O_t(p) - warp(O_t-1)(p)||^2 / sum_p M(p)

averaged over the clip (RGB in [0, 1]; lower is steadier). The same figure
for the input clip itself is the floor a consistent output can reach.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import torch

from ..errors import InvalidArgumentError
from ..imaging.resizing import resize
from .flow import Motion


def frame_warping_error(previous: torch.Tensor, current: torch.Tensor, motion: Motion) -> float:
    """Masked mean squared RGB distance between ``current`` and ``previous`` warped onto it ((1, 3, H, W))."""
    difference = (current - motion.carry(previous)).pow(2).sum(dim=1, keepdim=True)
    return float((motion.mask * difference).sum() / motion.mask.sum().clamp(min=1.0))


@dataclass(frozen=True)
class Stability:
    """Warping errors of a result clip and of its input clip, over ``pairs`` consecutive frame pairs."""

    output: float
    input: float
    pairs: int

    def describe(self) -> str:
        return (f"temporal stability over {self.pairs} frame pairs: E_warp {self.output:.3g} "
                f"(input clip {self.input:.3g}; lower is steadier)")


def warping_error(inputs: Iterable[torch.Tensor], outputs: Iterable[torch.Tensor]) -> Stability:
    """E_warp of ``outputs`` and of ``inputs``, with the flow of ``inputs``; both streamed, in step.

    Args:
        inputs: the input frames, (1, 3, H, W) or (3, H, W) in [0, 1].
        outputs: the result frames, the same count; resized to the inputs' size if they differ.
    """
    total_output = total_input = 0.0
    pairs = 0
    previous = None
    for pair in _zip_equal(inputs, outputs):
        frame, result = (x.detach().float().cpu().reshape(1, *x.shape[-3:]) for x in pair)
        result = resize(result, tuple(frame.shape[-2:]))
        if previous is not None:
            motion = Motion.between(previous[0], frame)
            total_output += frame_warping_error(previous[1], result, motion)
            total_input += frame_warping_error(previous[0], frame, motion)
            pairs += 1
        previous = (frame, result)
    if pairs == 0:
        raise InvalidArgumentError("the warping error needs at least two frames")
    return Stability(total_output / pairs, total_input / pairs, pairs)


def _zip_equal(first: Iterable, second: Iterable):
    first, second = iter(first), iter(second)
    sentinel = object()
    while True:
        a, b = next(first, sentinel), next(second, sentinel)
        if a is sentinel and b is sentinel:
            return
        if a is sentinel or b is sentinel:
            raise InvalidArgumentError("the input and output clips have different numbers of frames")
        yield a, b
