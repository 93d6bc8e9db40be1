"""DeepDream.

``dream()`` takes an image and returns a Pillow image; ``dream_zoom()`` yields
the frames of a zoom animation; ``atlas()`` and ``filters()`` draw what a
layer's channels and the first layer's kernels respond to. The engine itself
(:func:`dream_tensor`) works on tensors only. Names are imported on first use
(see :mod:`dreamstyle.lazy`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import lazy_exports

_EXPORTS = {
    "DreamConfig": ".config", "parse_channels": ".config",
    "DreamProgress": ".engine", "ProgressCallback": ".engine", "dream_steps": ".engine", "dream_tensor": ".engine",
    "octave_sizes": ".engine",
    "dream_renderer": ".clip",
    "ZoomConfig": ".zoom", "zoom_frames": ".zoom", "zoom_rotate": ".zoom",
    "atlas_config": ".channel_atlas", "atlas_steps": ".channel_atlas",
    "atlas": ".api", "dream": ".api", "dream_zoom": ".api", "filters": ".api",
    "DreamRequest": ".request", "PreparedDream": ".request",
}

if TYPE_CHECKING:
    from .api import atlas, dream, dream_zoom, filters
    from .channel_atlas import atlas_config, atlas_steps
    from .clip import dream_renderer
    from .config import DreamConfig, parse_channels
    from .engine import DreamProgress, ProgressCallback, dream_steps, dream_tensor, octave_sizes
    from .request import DreamRequest, PreparedDream
    from .zoom import ZoomConfig, zoom_frames, zoom_rotate

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

__all__ = [
    "atlas", "atlas_config", "atlas_steps", "dream", "dream_steps", "dream_tensor", "dream_zoom", "DreamConfig",
    "dream_renderer", "DreamProgress", "DreamRequest", "filters", "octave_sizes", "parse_channels", "PreparedDream",
    "ProgressCallback", "zoom_frames", "zoom_rotate", "ZoomConfig",
]
