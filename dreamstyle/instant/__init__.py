"""Instant style: a photo painted in one pass of a feed-forward network (see :mod:`.engine`).

Names are imported on first use (see :mod:`dreamstyle.lazy`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import lazy_exports

_EXPORTS = {
    "InstantConfig": ".config", "instant_tensor": ".engine", "style_vectors": ".engine",
    "PreparedInstant": ".prepared", "load_network": ".weights",
}

if TYPE_CHECKING:
    from .config import InstantConfig
    from .engine import instant_tensor, style_vectors
    from .prepared import PreparedInstant
    from .weights import load_network

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

__all__ = ["InstantConfig", "PreparedInstant", "instant_tensor", "load_network", "style_vectors"]
