"""What DeepDream maximises.

Each objective maps the backbone's activations to one value per image,
(N,) float32. Values are normalised by the activation count of the *whole*
image (``full_size``), not of the crop that was run, and a tile counts only
the activations inside its ``inner`` box, so tiles' values and gradients add up to
the untiled image's (see :mod:`dreamstyle.backbone.tiling`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

import torch

from ..backbone import VGGFeatures
from ..backbone.features import positions_by_channels
from ..backbone.tiling import Box, in_window, rows_in_window
from ..errors import InvalidArgumentError
from .config import ChannelSelection, LayerWeights


class Objective(Protocol):
    """Maps {layer: (N, C, h, w) activation}, the full image size (H, W) and the
    optional box ``inner`` = (top, bottom, left, right) in crop px whose activations count
    (None: all) to (N,) values to maximise."""

    layers: tuple[str, ...]

    def __call__(self, feats: Mapping[str, torch.Tensor], full_size: tuple[int, int],
                 inner: Box | None = None) -> torch.Tensor: ...


def _activation_count(net: VGGFeatures, layer: str, full_size: tuple[int, int], channels: int) -> float:
    stride = net.spec(layer).stride
    return float(channels * max(1, full_size[0] // stride) * max(1, full_size[1] // stride))


def check_channels(net: VGGFeatures, channels: ChannelSelection) -> None:
    """Every selected channel must exist in its layer."""
    net.check_layers([layer for layer, _ in channels], "channels")
    for layer, selected in channels:
        available = net.spec(layer).channels
        bad = [c for c in selected if not 0 <= c < available]
        if bad:
            raise InvalidArgumentError(f"channel {bad[0]} is out of range for {layer}: "
                                       f"it has channels 0-{available - 1}", setting="channels")


class ActivationObjective:
    """Weighted sum over layers of the mean squared activation (Mordvintsev et al.'s L2 objective).

    Args:
        net: the backbone (used for layer geometry and validation).
        layers: (layer, weight) pairs.
        channels: optional (layer, channels) pairs; other layers use all channels.
    """

    def __init__(self, net: VGGFeatures, layers: LayerWeights, channels: ChannelSelection = ()):
        net.check_layers([name for name, _ in layers], "layers")
        check_channels(net, channels)
        self.net = net
        self.weights = dict(layers)
        self.channels = {layer: torch.tensor(selected) for layer, selected in channels}
        self.layers = tuple(self.weights)

    def __call__(self, feats: Mapping[str, torch.Tensor], full_size: tuple[int, int],
                 inner: Box | None = None) -> torch.Tensor:
        total = 0.0
        for layer, weight in self.weights.items():
            activation = in_window(feats[layer], self.net.spec(layer).stride, inner)
            if layer in self.channels:
                activation = activation.index_select(1, self.channels[layer].to(activation.device))
            count = _activation_count(self.net, layer, full_size, activation.shape[1])
            total = total + weight * activation.pow(2).sum(dim=(1, 2, 3)) / count
        return total


class ChannelPerImageObjective:
    """Mean squared activation of one channel per image in the batch (for the channel atlas).

    Args:
        net: the backbone.
        layer: the layer whose channels are shown.
        channels: (N,) channel index for each image of the batch.
    """

    def __init__(self, net: VGGFeatures, layer: str, channels: Sequence[int]):
        check_channels(net, ((layer, tuple(channels)),))
        self.net = net
        self.layer = layer
        self.layers = (layer,)
        self.channels = torch.tensor(list(channels))

    def __call__(self, feats: Mapping[str, torch.Tensor], full_size: tuple[int, int],
                 inner: Box | None = None) -> torch.Tensor:
        activation = in_window(feats[self.layer], self.net.spec(self.layer).stride, inner)
        index = self.channels.to(activation.device).view(-1, 1, 1, 1).expand(-1, 1, *activation.shape[-2:])
        chosen = activation.gather(1, index)
        return chosen.pow(2).sum(dim=(1, 2, 3)) / _activation_count(self.net, self.layer, full_size, 1)


class GuideObjective:
    """Guided dreaming: pull each position's features toward the best-matching guide feature.

    For every activation vector of the image, the guide's vector with the
    largest dot product is found, and the sum of those dot products is
    maximised (the "guide" of Google's original DeepDream notebook).

    Args:
        net: the backbone.
        layers: (layer, weight) pairs.
        guide_feats: {layer: (M, C) guide activation vectors, one row per guide position}.
    """

    def __init__(self, net: VGGFeatures, layers: LayerWeights, guide_feats: Mapping[str, torch.Tensor]):
        self.net = net
        self.weights = dict(layers)
        self.layers = tuple(self.weights)
        self.guide = dict(guide_feats)

    @classmethod
    def from_image(cls, net: VGGFeatures, layers: LayerWeights, guide: torch.Tensor) -> "GuideObjective":
        """Build from a (1, 3, H, W) guide image in [0, 1], on the net's device."""
        with torch.no_grad():
            feats = net(guide, [name for name, _ in layers])
        return cls(net, layers, {name: positions_by_channels(f)[0] for name, f in feats.items()})

    def __call__(self, feats: Mapping[str, torch.Tensor], full_size: tuple[int, int],
                 inner: Box | None = None) -> torch.Tensor:
        total = 0.0
        for layer, weight in self.weights.items():
            rows = rows_in_window(feats[layer], self.net.spec(layer).stride, inner)  # (N, P, C)
            guide = self.guide[layer]  # (M, C)
            with torch.no_grad():
                best = (rows @ guide.T).argmax(dim=2)  # (N, P)
            matched = guide[best]  # (N, P, C)
            count = _activation_count(self.net, layer, full_size, rows.shape[2])
            total = total + weight * (rows * matched).sum(dim=(1, 2)) / count
        return total
