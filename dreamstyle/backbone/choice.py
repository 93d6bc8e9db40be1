"""Which backbone a run asks for, before it is loaded.

A choice is names only, with no torch in it: the command line makes one, and
checks it, before any run needs torch (see :mod:`dreamstyle.lazy`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch

    from .features import VGGFeatures

DEFAULT_WEIGHTS = "vgg19"
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
        from .loader import load_backbone  # torch's import waits for the first load

        chosen = self.filled_from(previous)
        return load_backbone(chosen.weights, pooling=chosen.pooling, device=chosen.device,
                             precision=chosen.precision, weights_format=chosen.weights_format)

