"""Which backbone a run asks for, before it is loaded."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import torch

from .features import VGGFeatures
from .loader import load_backbone
from .weights import DEFAULT_WEIGHTS

DEFAULT_POOLING = "max"


@dataclass(frozen=True)
class BackboneChoice:
    """The backbone's weights, pooling, device and precision, as asked for.

    Attributes:
        weights: a weight set name or a local state-dict file; None takes an
            earlier run's (see :meth:`filled_from`), else ``"vgg19"``.
        pooling: ``"max"`` or ``"avg"``; None as for ``weights``, else ``"max"``.
        device: ``"auto"``, ``"cpu"``, ``"cuda[:N]"`` or ``"mps"``.
        precision: ``"auto"``, ``"fp32"``, ``"bf16"`` or ``"fp16"``.
        weights_format: ``"caffe"`` or ``"torchvision"``, for a local weights file only.
    """

    weights: str | os.PathLike | None = None
    pooling: str | None = None
    device: str | torch.device = "auto"
    precision: str = "auto"
    weights_format: str | None = None

    def filled_from(self, previous: Mapping[str, Any] | None) -> "BackboneChoice":
        """Weights and pooling not chosen here taken from an earlier run's metadata, else the defaults.

        Device and precision are never taken over: they belong to the machine
        a picture is made on, not to the picture.
        """
        earlier = previous or {}
        return replace(self, weights=self.weights or earlier.get("weights") or DEFAULT_WEIGHTS,
                       pooling=self.pooling or earlier.get("pooling") or DEFAULT_POOLING)

    def load(self, previous: Mapping[str, Any] | None = None) -> VGGFeatures:
        """The backbone, ready on its device (see :meth:`filled_from` for ``previous``)."""
        chosen = self.filled_from(previous)
        return load_backbone(chosen.weights, pooling=chosen.pooling, device=chosen.device,
                             precision=chosen.precision, weights_format=chosen.weights_format)


def backbone_of(backbone: VGGFeatures | BackboneChoice | None, previous: Mapping[str, Any] | None) -> VGGFeatures:
    """``backbone`` itself when it is loaded already, else the chosen one (default: :class:`BackboneChoice`) loaded."""
    if isinstance(backbone, VGGFeatures):
        return backbone
    return (backbone or BackboneChoice()).load(previous)
