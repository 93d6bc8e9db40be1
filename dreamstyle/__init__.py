"""dreamstyle: DeepDream and neural style transfer on one shared VGG feature extractor."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .lazy import lazy_exports
from .version import __version__

# The public API, by the module that holds each name, imported on first use (see dreamstyle.lazy).
_EXPORTS = {
    "BackboneChoice": ".backbone", "VGGFeatures": ".backbone", "load_backbone": ".backbone",
    "RunStopped": ".runs", "activation_sheet": ".activations", "dream": ".deepdream", "dream_zoom": ".deepdream",
    "save": ".imaging", "transfer": ".styletransfer",
}

if TYPE_CHECKING:
    from .activations import activation_sheet
    from .backbone import BackboneChoice, VGGFeatures, load_backbone
    from .deepdream import dream, dream_zoom
    from .imaging import save
    from .runs import RunStopped
    from .styletransfer import transfer


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

__all__ = [
    "BackboneChoice", "RunStopped", "VGGFeatures", "__version__", "activation_sheet", "dream", "dream_zoom",
    "load_backbone", "save", "transfer",
]
