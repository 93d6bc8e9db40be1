"""What every engine's clip shares: the frame before, a frame renderer's shape, and the loop that renders frames
each on the one before.

The engines run unchanged; each engine's prepared run makes its own frame
renderer from a :class:`~dreamstyle.video.config.TemporalConfig`
(:mod:`dreamstyle.deepdream.clip`, :mod:`dreamstyle.styletransfer.clip`,
:mod:`dreamstyle.instant.prepared`), adding a warm start (and, for style
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
from dataclasses import dataclass
from typing import Any

import torch

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
        render: a prepared run's frame renderer (see :meth:`~dreamstyle.engines.PreparedRun.renderer`).
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

