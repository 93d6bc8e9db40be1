"""dreamstyle: DeepDream and neural style transfer on one shared VGG feature extractor."""

from __future__ import annotations

from .activations import activation_sheet
from .backbone import BackboneChoice, VGGFeatures, load_backbone
from .deepdream import dream, dream_zoom
from .imaging import save
from .runs import RunStopped
from .styletransfer import transfer
from .version import __version__

__all__ = [
    "BackboneChoice", "RunStopped", "VGGFeatures", "__version__", "activation_sheet", "dream", "dream_zoom",
    "load_backbone", "save", "transfer",
]
