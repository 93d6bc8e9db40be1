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
    "ProgressCallback": ".engine", "TransferProgress": ".engine", "transfer_tensor": ".engine",
    "Scale": ".schedule", "scale_schedule": ".schedule", "scale_sizes": ".schedule", "total_iterations": ".schedule",
    "PreparedTransfer": ".prepared", "transfer_renderer": ".clip",
    "transfer": ".api",
}

if TYPE_CHECKING:
    from .api import transfer
    from .clip import transfer_renderer
    from .config import INITS, TransferConfig
    from .engine import ProgressCallback, TransferProgress, transfer_tensor
    from .prepared import PreparedTransfer
    from .schedule import Scale, scale_schedule, scale_sizes, total_iterations

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

__all__ = [
    "INITS", "PreparedTransfer", "ProgressCallback", "Scale", "scale_schedule", "scale_sizes", "total_iterations",
    "transfer", "transfer_renderer", "transfer_tensor", "TransferConfig", "TransferProgress",
]
