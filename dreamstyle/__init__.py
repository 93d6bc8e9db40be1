"""dreamstyle: DeepDream and neural style transfer on one shared VGG feature extractor."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .version import __version__

# The public API, by the module that holds each name. They are imported on first use: importing torch takes
# seconds, and ``dreamstyle --help`` (which imports this package first) needs none of them.
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


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name], __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "BackboneChoice", "RunStopped", "VGGFeatures", "__version__", "activation_sheet", "dream", "dream_zoom",
    "load_backbone", "save", "transfer",
]
