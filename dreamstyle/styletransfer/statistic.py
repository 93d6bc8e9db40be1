"""What a style statistic is: one class per statistic, holding its own target (crowsonkb's ``StyleLoss`` pattern).

A statistic (Gram matrices in :mod:`.gram`, sliced Wasserstein in
:mod:`.sliced`) says four things, and the engine asks nothing else of it:

- :meth:`StyleStatistic.of_image`: one style image's statistic per layer,
  taken tile by tile, over the image or over its style mask;
- :meth:`StyleStatistic.target`: the styles' statistics at one scale as one
  target: blended by the style blend, or one per region where masks say
  where each style lands;
- :meth:`StyleTarget.loss`: how far a picture's activations are from it;
- :meth:`StyleTarget.tile_term`: the same loss's gradient, one tile at a time.

"No regions" is one region that covers the image with weight 1: the target
and its loss keep their whole-image form there (the plain Gram matrix, not a
weighted one): the same value up to rounding, in fewer operations, and the
rounding every earlier picture was made with.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import torch

from ..backbone import VGGFeatures
from ..backbone.selection import LayerWeights

if TYPE_CHECKING:
    from ..backbone.tiling import Window
    from .config import TransferConfig
    from .regions import RegionWeights
    from .tiles import TileGrid


class TileTerm(ABC):
    """One evaluation's style term, tile by tile: made after a first pass over the whole image's tiles."""

    @abstractmethod
    def __call__(self, name: str, rows: torch.Tensor, window: "Window") -> torch.Tensor:
        """(N,) the weighted style term of layer ``name``'s (N, P, C) rows centred in ``window``, whose gradient is
        the whole image's style loss's gradient at those positions."""

    @abstractmethod
    def value(self) -> torch.Tensor:
        """The whole image's style loss (0-d, unweighted by the style weight), once every tile was called."""


class StyleTarget(ABC):
    """The styles' statistic at one scale, and the loss of a picture against it.

    Attributes:
        target: per style layer, the statistic's tensor (one per region with regions).
        regions: where each style lands at this scale; None: one region, the whole image, weight 1.
    """

    target: Mapping[str, torch.Tensor]
    regions: "RegionWeights | None"

    @abstractmethod
    def loss(self, rows: Mapping[str, torch.Tensor], layers: LayerWeights) -> torch.Tensor:
        """Weighted mean over ``layers`` of each layer's relative error; ``rows`` per layer (N, P, C), a row per
        position (see :func:`~dreamstyle.backbone.features.positions_by_channels`)."""

    @abstractmethod
    def tile_term(self, net: VGGFeatures, image: torch.Tensor, grid: "TileGrid", config: "TransferConfig"
                  ) -> TileTerm:
        """The tile term of ``image`` (1, 3, H, W) cut by ``grid``: its first pass (without autograd) runs here."""


class StyleStatistic(ABC):
    """A statistic of a layer's activations that a style is matched by."""

    @abstractmethod
    def of_image(self, net: VGGFeatures, image: torch.Tensor, layers: Sequence[str], grid: "TileGrid",
                 maps: Mapping[str, torch.Tensor] | None = None) -> dict[str, Any]:
        """One style image's (1, 3, h, w) statistic per layer, tile by tile; with ``maps`` (per layer, (1, 1, h', w')
        position weights summing to 1) over its style mask only."""

    @abstractmethod
    def target(self, per_style: Sequence[Mapping[str, Any]], blend: Sequence[float],
               regions: "RegionWeights | None", net: VGGFeatures, size: tuple[int, int], tiled: bool) -> StyleTarget:
        """The target at a scale of ``size`` (H, W): the styles' statistics blended by ``blend``, or with
        ``regions`` one per region; ``tiled``: the scale is evaluated tile by tile."""
