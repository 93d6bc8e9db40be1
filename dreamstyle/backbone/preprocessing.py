"""What each weight set expects of its input, described as data.

Callers always pass RGB in [0, 1]; a :class:`Normalize` built from a weight
set's :class:`Preprocessing` turns that into whatever the weights were trained on.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn


@dataclass(frozen=True)
class Preprocessing:
    """Input convention of a weight set: ``(x[:, order] * value_range - mean) / std``.

    Attributes:
        name: ``"caffe"`` or ``"torchvision"``.
        channel_order: ``"RGB"`` or ``"BGR"``.
        value_range: 255.0 for 0-255 pixel values, 1.0 for 0-1.
        mean: per-channel mean, in ``channel_order`` and ``value_range`` units.
        std: per-channel standard deviation, same units.
    """

    name: str
    channel_order: str
    value_range: float
    mean: tuple[float, float, float]
    std: tuple[float, float, float]


# The original Oxford VGG release (Caffe, and its Keras conversion): BGR, 0-255,
# mean pixel subtracted, no division.
CAFFE = Preprocessing("caffe", "BGR", 255.0, (103.939, 116.779, 123.68), (1.0, 1.0, 1.0))

# torchvision's ImageNet models: RGB, 0-1, ImageNet mean and std.
TORCHVISION = Preprocessing("torchvision", "RGB", 1.0, (0.485, 0.456, 0.406), (0.229, 0.224, 0.225))

PREPROCESSINGS = {p.name: p for p in (CAFFE, TORCHVISION)}


class Normalize(nn.Module):
    """Maps RGB in [0, 1], shape (N, 3, H, W), to a weight set's input convention.

    The whole convention folds into a channel permutation and one affine map,
    ``x[:, order] * scale + shift``, held as buffers so it moves with ``.to()``.
    """

    def __init__(self, preprocessing: Preprocessing):
        super().__init__()
        self.preprocessing = preprocessing
        order = [2, 1, 0] if preprocessing.channel_order == "BGR" else [0, 1, 2]
        std = torch.tensor(preprocessing.std)
        mean = torch.tensor(preprocessing.mean)
        self.register_buffer("order", torch.tensor(order), persistent=False)
        self.register_buffer("scale", (preprocessing.value_range / std).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("shift", (-mean / std).view(1, 3, 1, 1), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.index_select(1, self.order) * self.scale + self.shift
