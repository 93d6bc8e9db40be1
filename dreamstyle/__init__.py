"""dreamstyle: DeepDream and neural style transfer on one shared VGG feature extractor."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from .activations import activation_sheet
from .backbone import VGGFeatures, load_backbone

try:
    __version__ = version("dreamstyle")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = ["VGGFeatures", "__version__", "activation_sheet", "load_backbone"]
