"""An instant picture ready to paint: what every front end asks of it (a :class:`~dreamstyle.engines.PreparedRun`).

Its clips paint each frame afresh in one pass and keep part of the previous
picture along the flow (:func:`instant_renderer`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import torch

from ..backbone import VGGFeatures
from ..estimate import Cost
from ..imaging.guided_filter import photo_filtered
from ..masks import Regions
from ..runs import Run
from ..styles import BuiltinStyle, style_weights
from ..video.config import TRANSFER_TEMPORAL, TemporalConfig
from ..video.temporal import FrameCallback, FrameRenderer, Previous
from .engine import StyleSource, instant_tensor

if TYPE_CHECKING:
    from ..transfer_request import TransferRequest

# The start line counts an instant picture as one backbone pass to the default transfer's layers, as it has since
# the instant preset came; the networks' own time is not probed.
PASS_LAYERS = ("relu4_2", "relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")
# An instant frame is painted afresh in one pass, and painted alone it flickers. Where the flow can be trusted,
# this share (times the clip's blend) of the previous frame's picture, warped along the flow, is kept, so the
# strokes move with the picture (benchmarks/RESULTS.md, "Instant style").
INSTANT_CARRY = 0.7


@dataclass(frozen=True)
class InstantProgress:
    """Reported once, when the pass is done: the whole run is one step (an :class:`~dreamstyle.progress.EngineProgress`).

    Attributes:
        size: (H, W) of the picture.
        image: (1, 3, H, W) the picture.
    """

    size: tuple[int, int]
    image: torch.Tensor
    iteration: int = 1
    iterations: int = 1
    run_done: int = 1
    run_total: int = 1

    def stage(self) -> str:
        return "one pass"

    def losses(self) -> dict[str, float]:
        return {}  # a feed-forward network optimises nothing

    def status(self) -> str:
        height, width = self.size
        return f"instant pass {width}x{height}"


def instant_precision(net: VGGFeatures) -> str:
    """The instant networks' precision: the backbone's on an accelerator; fp32 on a CPU, where their small
    convolutions run many times slower in bf16 (benchmarks/RESULTS.md, "Instant style")."""
    return "fp32" if net.device.type == "cpu" else net.precision


@dataclass(frozen=True)
class PreparedInstant:
    """An instant picture ready to paint: its request, resolved settings and backbone (whose device and precision
    the networks take; they read no VGG layer)."""

    request: TransferRequest
    run: Run
    net: VGGFeatures

    def metadata(self, **extra: Any) -> dict[str, Any]:
        return self.request.metadata(self.run, self.net, **extra)

    def paint(self, content: torch.Tensor, styles: Sequence[StyleSource], regions: Regions | None,
              precision: str | None = None) -> torch.Tensor:
        """(1, 3, H, W) ``content`` in [0, 1] painted in one pass in ``styles`` under the run's settings, on the
        backbone's device (``precision``: the networks', default :func:`instant_precision`)."""
        config = self.run.config
        blend = style_weights(config.style_blend, len(styles))
        if regions is not None:
            regions.check(len(styles))
        content = content.to(self.net.device, torch.float32)
        styles = [style if isinstance(style, BuiltinStyle) else style.to(self.net.device, torch.float32)
                  for style in styles]
        x = instant_tensor(content, styles, blend, strength=config.instant_strength,
                           preserve_colors=config.preserve_colors, regions=regions,
                           precision=precision or instant_precision(self.net))
        return photo_filtered(x, content, config.guided_filter) if config.guided_filter else x

    def still(self, batch: torch.Tensor, callback: Callable[[Any], None] | None) -> torch.Tensor:
        return self.picture(batch, self.request.regions(0, tuple(batch.shape[-2:])), callback)

    def cost(self, height: int, width: int) -> Cost:
        return Cost(PASS_LAYERS, ((height, width, 1),))

    def later_cost(self, height: int, width: int, temporal: TemporalConfig) -> Cost:
        return self.cost(height, width)

    def renderer(self, temporal: TemporalConfig) -> FrameRenderer:
        return instant_renderer(self, temporal)

    @property
    def temporal_defaults(self) -> TemporalConfig:
        return TRANSFER_TEMPORAL

    def preview(self) -> None:
        return None  # the run itself is that picture

    def picture(self, batch: torch.Tensor, regions: Regions | None, callback: Callable[[Any], None] | None
                ) -> torch.Tensor:
        """A picture of the run (a still's or a frame's) in its styles under ``regions``, told to ``callback``."""
        x = self.paint(batch, list(self.request.styles), regions)
        if callback is not None:
            callback(InstantProgress(size=tuple(x.shape[-2:]), image=x))
        return x


def instant_renderer(prepared: PreparedInstant, temporal: TemporalConfig) -> FrameRenderer:
    """Paints frame by frame with the instant engine, keeping part of the previous picture where it moved to."""

    def render(index: int, frame: torch.Tensor, previous: Previous | None, callback: FrameCallback = None
               ) -> torch.Tensor:
        painted = prepared.picture(frame, prepared.request.regions(index, tuple(frame.shape[-2:])), callback)
        if previous is None or temporal.mode == "none":
            return painted
        motion = previous.motion(frame, temporal.mode, preset="fast")
        return torch.lerp(painted, motion.carry(previous.output), motion.mask * (INSTANT_CARRY * temporal.blend))

    return render
