"""A Gatys transfer ready to start: what every front end asks of it (a :class:`~dreamstyle.engines.PreparedRun`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import torch

from ..backbone import VGGFeatures
from ..engines import ENGINE_SETTING, PreparedRun, engine_named
from ..estimate import Cost
from ..masks import Regions
from ..runs import Run
from ..transfer_request import TransferRequest
from ..video.config import TRANSFER_TEMPORAL, TemporalConfig
from ..video.temporal import FrameRenderer
from .clip import later_transfer_config, transfer_renderer
from .engine import transfer_tensor
from .schedule import transfer_cost
from .starts import Painter

# The engine whose picture ``init="instant"`` starts from, and which stands in while a transfer starts.
INSTANT_ENGINE = "instant"


@dataclass(frozen=True)
class PreparedTransfer:
    """A Gatys transfer ready to start: its request, resolved settings and backbone."""

    request: TransferRequest
    run: Run
    net: VGGFeatures

    def metadata(self, **extra: Any) -> dict[str, Any]:
        return self.request.metadata(self.run, self.net, **extra)

    def still(self, batch: torch.Tensor, callback: Callable[[Any], None] | None) -> torch.Tensor:
        regions = self.request.regions(0, tuple(batch.shape[-2:]))
        return transfer_tensor(self.net, batch, list(self.request.styles), self.run.config, seed=self.run.seed,
                               init_image=self.request.init, regions=regions, callback=callback,
                               painter=self._painter())

    def cost(self, height: int, width: int) -> Cost:
        return transfer_cost(height, width, self.run.config)

    def later_cost(self, height: int, width: int, temporal: TemporalConfig) -> Cost:
        return transfer_cost(height, width, later_transfer_config(self.run.config, temporal))

    def renderer(self, temporal: TemporalConfig) -> FrameRenderer:
        return transfer_renderer(self.net, list(self.request.styles), self.run.config, temporal, seed=self.run.seed,
                                 regions=self.request.regions, painter=self._painter())

    @property
    def temporal_defaults(self) -> TemporalConfig:
        return TRANSFER_TEMPORAL

    def preview(self) -> PreparedRun:
        """The instant engine's picture of the same request: about a second, where the optimisation takes
        minutes on a CPU."""
        settings = {**self.request.run.settings, ENGINE_SETTING: INSTANT_ENGINE}
        return self.request.with_run(settings=settings).prepare(self.net)

    def _painter(self) -> Painter | None:
        """``init="instant"``'s start: the instant engine at the run's blend and strength, the styles recoloured
        to the photo under ``preserve_colors="match"`` (luminance is taken after), in float32 on every device as
        it always was."""
        config = self.run.config
        if config.init != INSTANT_ENGINE:
            return None
        instant = engine_named(INSTANT_ENGINE)
        settings = instant.config.from_dict({
            "style_blend": config.style_blend, "instant_strength": config.instant_strength,
            "preserve_colors": "match" if config.preserve_colors == "match" else "none"})
        prepared = instant.prepare(self.request, replace(self.run, engine=INSTANT_ENGINE, config=settings), self.net)

        def paint(content: torch.Tensor, styles: Sequence[torch.Tensor], regions: Regions | None) -> torch.Tensor:
            return prepared.paint(content, styles, regions, precision="fp32")

        return paint
