"""Neural style transfer (Gatys et al.).

``transfer()`` takes a content image and one or more style images and
returns a Pillow image. The engine itself (:func:`transfer_tensor`) works on
tensors only. Names are imported on first use (see :mod:`dreamstyle.lazy`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import lazy_exports

_EXPORTS = {
    "INITS": ".config", "TransferConfig": ".config",
    "ProgressCallback": ".engine", "Scale": ".engine", "TransferProgress": ".engine", "scale_schedule": ".engine",
    "scale_sizes": ".engine", "total_iterations": ".engine", "transfer_tensor": ".engine",
    "Run": ".run", "like_transfer": ".run", "resolve_run": ".run",
    "StyleMasks": ".style_masks",
    "PreparedTransfer": ".request", "TransferRequest": ".request", "init_settings": ".request",
    "transfer": ".api",
}

if TYPE_CHECKING:
    from .api import transfer
    from .config import INITS, TransferConfig
    from .engine import (ProgressCallback, Scale, TransferProgress, scale_schedule, scale_sizes, total_iterations,
                         transfer_tensor)
    from .request import PreparedTransfer, TransferRequest, init_settings
    from .run import Run, like_transfer, resolve_run
    from .style_masks import StyleMasks

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

__all__ = [
    "init_settings", "INITS", "like_transfer", "PreparedTransfer", "ProgressCallback", "resolve_run", "Run", "Scale",
    "scale_schedule", "scale_sizes", "StyleMasks", "total_iterations", "transfer", "transfer_tensor",
    "TransferConfig", "TransferProgress", "TransferRequest",
]
