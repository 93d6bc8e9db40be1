"""VGG architectures as data: configuration tables, layer names and builders.

The tables are torchvision's configurations "D" (VGG16) and "E" (VGG19), so the
modules built here sit at the same ``features.N`` indices as torchvision's and
every state dict in that layout loads without renaming.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

POOL = "M"

# Output channels of each 3x3 convolution, with POOL for each 2x2 max pool.
VGG_CONFIGS: dict[str, tuple[int | str, ...]] = {
    "vgg16": (64, 64, POOL, 128, 128, POOL, 256, 256, 256, POOL,
              512, 512, 512, POOL, 512, 512, 512, POOL),
    "vgg19": (64, 64, POOL, 128, 128, POOL, 256, 256, 256, 256, POOL,
              512, 512, 512, 512, POOL, 512, 512, 512, 512, POOL),
}

POOLINGS = ("max", "avg")

# Average pooling gives smaller activations than max pooling, and the gap
# compounds through the pools, so layer weights tuned with max pooling would
# stop fitting. Each average pool is therefore scaled by a factor, one per pool
# (pool1..pool5), calibrated so the mean activation of every relu layer and of
# pool5 stays within about 15 % of max pooling's: measured over five sample
# photos (512 px) with the original VGG19 weights. Block 5 is sparser, so the
# pools feeding and following it need larger factors.
AVG_POOL_SCALES = (1.3, 1.3, 1.3, 1.9, 2.1)


@dataclass(frozen=True)
class LayerSpec:
    """One named layer of a VGG feature stack.

    Attributes:
        name: conventional name, ``conv{block}_{i}``, ``relu{block}_{i}`` or ``pool{block}``.
        index: position in ``features`` (torchvision's ``features.N``).
        kind: ``"conv"``, ``"relu"`` or ``"pool"``.
        channels: channels of the layer's output.
        stride: input pixels per output pixel along each axis.
        receptive_field: side in input pixels of the window one output pixel sees.
    """

    name: str
    index: int
    kind: str
    channels: int
    stride: int
    receptive_field: int


def check_arch(arch: str) -> tuple[int | str, ...]:
    try:
        return VGG_CONFIGS[arch]
    except KeyError:
        raise ValueError(f"unknown VGG architecture {arch!r}; known: {', '.join(VGG_CONFIGS)}") from None


def layer_specs(arch: str) -> tuple[LayerSpec, ...]:
    """Every layer of ``arch`` in execution order, with its geometry."""
    specs: list[LayerSpec] = []
    block, conv_in_block, channels, stride, field = 1, 0, 3, 1, 1
    for entry in check_arch(arch):
        if entry == POOL:
            field += stride  # a 2x2 window adds one input step
            stride *= 2
            specs.append(LayerSpec(f"pool{block}", len(specs), "pool", channels, stride, field))
            block, conv_in_block = block + 1, 0
            continue
        conv_in_block += 1
        channels = int(entry)
        field += 2 * stride  # a 3x3 window adds one step on each side
        suffix = f"{block}_{conv_in_block}"
        specs.append(LayerSpec(f"conv{suffix}", len(specs), "conv", channels, stride, field))
        specs.append(LayerSpec(f"relu{suffix}", len(specs), "relu", channels, stride, field))
    return tuple(specs)


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
