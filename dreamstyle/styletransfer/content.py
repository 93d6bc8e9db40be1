"""The content term: the photo's activations at one scale, and how far a picture's are from them.

One target object, like the style statistic's (:mod:`.statistic`), that the
objective asks in either form: :meth:`ContentTarget.loss` on the whole
picture's activations, or :meth:`ContentTarget.tile_term` tile by tile
(:mod:`.tiles`). Its weight, the schedule's content weight at this scale, is
applied here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import torch

from ..backbone import VGGFeatures
from ..backbone.selection import LayerWeights, weight_sum
from ..backbone.tiling import Window, rows_in_window
from ..runtime import compute_dtype
from .losses import content_loss, widened
from .tiles import TileGrid, centred_activations


@dataclass(frozen=True)
class TiledContent:
    """The content targets of a tiled scale.

    Attributes:
        tiles: per window of the grid, in order, {layer: (N, P, C) content
            activations centred in that tile}.
        energy: per layer, the sum of squares of its activations over the whole
            image (the content loss's denominator).
    """

    tiles: tuple[dict[str, torch.Tensor], ...]
    energy: dict[str, float]

    @classmethod
    def of(cls, net: VGGFeatures, image: torch.Tensor, layers: Sequence[str], grid: TileGrid) -> "TiledContent":
        """The targets of ``image`` (N, 3, H, W) in [0, 1], kept in ``net``'s compute dtype."""
        dtype = compute_dtype(net.precision)
        tiles = tuple({name: flat.to(dtype) for name, flat in tile.items()}
                      for _, tile in centred_activations(net, image, layers, grid))
        energy = {name: sum(float(tile[name].float().pow(2).sum()) for tile in tiles) for name in layers}
        return cls(tiles, energy)


@dataclass(frozen=True)
class ContentTarget:
    """The photo's activations at one scale (whole, or tile by tile when the scale is tiled) and the term's weight.

    Attributes:
        layers: (layer, weight) pairs of the content layers.
        weight: the content weight at this scale.
        features: per layer, the photo's (N, C, h, w) activations; None when tiled.
        tiled: the photo's activations tile by tile; None when whole.
    """

    layers: LayerWeights
    weight: float
    features: Mapping[str, torch.Tensor] | None = None
    tiled: TiledContent | None = None

    @classmethod
    def of(cls, net: VGGFeatures, image: torch.Tensor, layers: LayerWeights, weight: float, grid: TileGrid
           ) -> "ContentTarget":
        """The target of the photo ``image`` (1, 3, H, W) in [0, 1] at this scale's size, cut as ``grid`` says."""
        names = [name for name, _ in layers]
        if grid.tile:
            return cls(layers, weight, tiled=TiledContent.of(net, image, names, grid))
        with torch.no_grad():
            return cls(layers, weight, features=net(image, names))

    def loss(self, feats: Mapping[str, torch.Tensor]) -> torch.Tensor:
        """The weighted content loss (0-d, float32) of a whole picture's activations ``feats``."""
        return self.weight * content_loss(feats, self.features, self.layers)

    def tile_term(self, net: VGGFeatures, windows: Sequence[Window]) -> "ContentTile":
        """The content term of one evaluation, tile by tile over ``windows`` (the grid's, in order)."""
        return ContentTile(net, self, windows)


class ContentTile:
    """One evaluation's content term, tile by tile: each call gives a crop's weighted loss and keeps its value."""

    def __init__(self, net: VGGFeatures, target: ContentTarget, windows: Sequence[Window]) -> None:
        self.net, self.target = net, target
        self.first_window = windows[0]
        self.references = dict(zip((window.inner for window in windows), target.tiled.tiles))
        self.total = weight_sum(target.layers)
        self.parts: list[torch.Tensor] = []

    def __call__(self, feats: Mapping[str, torch.Tensor], window: Window) -> torch.Tensor:
        """(N,) the weighted content loss of a crop's activations ``feats`` centred in ``window``."""
        reference, energy = self.references[window.inner], self.target.tiled.energy
        loss = None
        for name, weight in self.target.layers:
            centred = rows_in_window(feats[name], self.net.spec(name).stride, window.inner_in_crop)
            difference = widened(centred) - widened(reference[name])
            term = weight / self.total * difference.pow(2).sum(dim=(1, 2)) / max(energy[name], 1e-8)
            loss = term if loss is None else loss + term
        self.parts.append(self.target.weight * loss.detach().sum())
        return self.target.weight * loss

    def value(self) -> torch.Tensor:
        """The whole picture's weighted content loss, once every tile was called."""
        return sum(self.parts)
