"""Building the backbone: weights read, network made, frozen and placed on its device."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import torch

from ..errors import InvalidArgumentError
from ..runtime import Runtime, compute_dtype, tune_backend
from .choice import DEFAULT_WEIGHTS, BackboneChoice
from .features import VGGFeatures
from .geometry import POOLINGS
from .weights import load_state_checked, load_weights


def load_backbone(
    weights: str | os.PathLike = DEFAULT_WEIGHTS,
    *,
    pooling: str = "max",
    device: str | torch.device = "auto",
    precision: str = "auto",
    weights_format: str | None = None,
) -> VGGFeatures:
    """Build a frozen :class:`VGGFeatures` with the given weights, ready on its device.

    Args:
        weights: ``"vgg19"`` (default, offline), ``"vgg19-torchvision"``,
            ``"vgg16-torchvision"``, or the path of a ``features.N`` state dict.
        pooling: ``"max"`` or ``"avg"``.
        device: ``"auto"`` (CUDA, then MPS, then CPU), ``"cpu"``, ``"cuda[:N]"`` or ``"mps"``.
        precision: ``"auto"``, ``"fp32"``, ``"bf16"`` or ``"fp16"``; see :mod:`dreamstyle.runtime`.
        weights_format: ``"caffe"`` or ``"torchvision"``, for a local file only.

    Example:
        >>> net = load_backbone("vgg19")
        >>> feats = net(torch.rand(1, 3, 64, 64), layers=["relu1_1", "relu4_2"])
    """
    if pooling not in POOLINGS:
        raise InvalidArgumentError(f"unknown pooling {pooling!r}: use one of {', '.join(POOLINGS)}")
    runtime = Runtime.resolve(device, precision)
    loaded = load_weights(weights, weights_format)
    net = VGGFeatures(loaded.arch, loaded.preprocessing, pooling, runtime.precision, loaded.label)
    load_state_checked(net, loaded.state_dict, loaded.label)
    net.requires_grad_(False).eval()
    # Stored in the dtype the convolutions run in: autocast would cast all
    # 20 M weights again on every forward (it caches only casts of weights
    # that require grad), and keep the float32 copies beside them.
    net.features.to(compute_dtype(runtime.precision))
    tune_backend(runtime.device)
    return net.to(runtime.device, memory_format=torch.channels_last)


def backbone_of(backbone: VGGFeatures | BackboneChoice | None, previous: Mapping[str, Any] | None) -> VGGFeatures:
    """``backbone`` itself when it is loaded already, else the chosen one (default: :class:`BackboneChoice`) loaded."""
    if isinstance(backbone, VGGFeatures):
        return backbone
    return (backbone or BackboneChoice()).load(previous)
