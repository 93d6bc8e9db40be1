"""VGG feature stacks built from the tables of :mod:`.geometry`.

Every module sits at the same ``features.N`` index as torchvision's, so every
state dict in that layout loads without renaming.
"""

from __future__ import annotations

import torch
from torch import nn

from .geometry import POOL, POOLINGS, check_arch

# Average pooling gives smaller activations than max pooling, and the gap
# compounds through the pools, so layer weights tuned with max pooling would
# stop fitting. Each average pool is therefore scaled by a factor, one per pool
# (pool1..pool5), calibrated so the mean activation of every relu layer and of
# pool5 stays within about 15 % of max pooling's: measured over five sample
# photos (512 px) with the original VGG19 weights. Block 5 is sparser, so the
# pools feeding and following it need larger factors.
AVG_POOL_SCALES = (1.3, 1.3, 1.3, 1.9, 2.1)


class ScaledAvgPool2d(nn.AvgPool2d):
    """2x2 average pooling multiplied by a constant (see :data:`AVG_POOL_SCALES` for why)."""

    def __init__(self, scale: float):
        super().__init__(kernel_size=2, stride=2)
        self.scale = scale

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x) * self.scale


def make_pool(pooling: str, position: int) -> nn.Module:
    """The ``position``-th (0-based) 2x2 pool of the network."""
    if pooling == "max":
        return nn.MaxPool2d(kernel_size=2, stride=2)
    if pooling == "avg":
        return ScaledAvgPool2d(AVG_POOL_SCALES[position])
    raise ValueError(f"unknown pooling {pooling!r}; use one of {', '.join(POOLINGS)}")


def make_features(arch: str, pooling: str = "max") -> nn.Sequential:
    """The convolutional part of VGG ``arch``, laid out like torchvision's ``features``.

    ReLUs are not in-place: an engine may ask for a conv layer and the relu after
    it in the same pass, and both must keep their own values.
    """
    modules: list[nn.Module] = []
    in_channels, pools = 3, 0
    for entry in check_arch(arch):
        if entry == POOL:
            modules.append(make_pool(pooling, pools))
            pools += 1
            continue
        modules.append(nn.Conv2d(in_channels, int(entry), kernel_size=3, padding=1))
        modules.append(nn.ReLU(inplace=False))
        in_channels = int(entry)
    return nn.Sequential(*modules)
