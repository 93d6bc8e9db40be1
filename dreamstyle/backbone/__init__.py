"""The shared VGG feature extractor that both engines run on.

Names are imported on first use (see :mod:`dreamstyle.lazy`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import lazy_exports

_EXPORTS = {
    "POOLINGS": ".geometry", "VGG_CONFIGS": ".geometry", "LayerSpec": ".geometry", "layer_specs": ".geometry",
    "DEFAULT_POOLING": ".choice", "DEFAULT_WEIGHTS": ".choice", "BackboneChoice": ".choice",
    "VGGFeatures": ".features",
    "backbone_of": ".loader", "load_backbone": ".loader",
    "CAFFE": ".preprocessing", "TORCHVISION": ".preprocessing", "Preprocessing": ".preprocessing",
    "WEIGHT_SETS": ".weights", "WeightSet": ".weights",
}

if TYPE_CHECKING:
    from .choice import DEFAULT_POOLING, DEFAULT_WEIGHTS, BackboneChoice
    from .features import VGGFeatures
    from .geometry import POOLINGS, VGG_CONFIGS, LayerSpec, layer_specs
    from .loader import backbone_of, load_backbone
    from .preprocessing import CAFFE, TORCHVISION, Preprocessing
    from .weights import WEIGHT_SETS, WeightSet

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

__all__ = [
    "BackboneChoice", "CAFFE", "DEFAULT_POOLING", "DEFAULT_WEIGHTS", "LayerSpec", "POOLINGS", "Preprocessing",
    "TORCHVISION", "VGGFeatures", "VGG_CONFIGS", "WEIGHT_SETS", "WeightSet", "backbone_of", "layer_specs",
    "load_backbone",
]
