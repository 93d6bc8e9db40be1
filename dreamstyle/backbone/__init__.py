"""The shared VGG feature extractor that both engines run on."""

from __future__ import annotations

from .architecture import POOLINGS, VGG_CONFIGS, LayerSpec, layer_specs
from .choice import DEFAULT_POOLING, BackboneChoice, backbone_of
from .features import VGGFeatures
from .loader import load_backbone
from .preprocessing import CAFFE, TORCHVISION, Preprocessing
from .weights import DEFAULT_WEIGHTS, WEIGHT_SETS, WeightSet

__all__ = [
    "BackboneChoice", "CAFFE", "DEFAULT_POOLING", "DEFAULT_WEIGHTS", "LayerSpec", "POOLINGS", "Preprocessing",
    "TORCHVISION", "VGGFeatures", "VGG_CONFIGS", "WEIGHT_SETS", "WeightSet", "backbone_of", "layer_specs",
    "load_backbone",
]
