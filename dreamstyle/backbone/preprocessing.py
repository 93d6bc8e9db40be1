"""What each weight set expects of its input, described as data.

Callers always pass RGB in [0, 1]; a :class:`Normalize` built from a weight
set's :class:`Preprocessing` turns that into whatever the weights were trained on.
"""

from __future__ import annotations

from dataclasses import dataclass


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
