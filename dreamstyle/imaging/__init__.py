"""Image files in and out: loading, colour management, resizing, atomic saving, metadata.

Names are imported on first use (see :mod:`dreamstyle.lazy`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import lazy_exports

_EXPORTS = {
    "Picture": ".picture", "picture_from_pil": ".picture", "picture_to_pil": ".picture",
    "as_picture": ".read", "open_image": ".read", "read_image": ".read",
    "fit_longest_side": ".resizing", "resize": ".resizing", "resize_longest_side": ".resizing",
    "FORMATS": ".write", "check_output_path": ".write", "read_metadata": ".write", "save": ".write",
    "write_image": ".write",
}

if TYPE_CHECKING:
    from .picture import Picture, picture_from_pil, picture_to_pil
    from .read import as_picture, open_image, read_image
    from .resizing import fit_longest_side, resize, resize_longest_side
    from .write import FORMATS, check_output_path, read_metadata, save, write_image

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

__all__ = [
    "FORMATS", "Picture", "as_picture", "check_output_path", "fit_longest_side", "open_image", "picture_from_pil",
    "picture_to_pil", "read_image", "read_metadata", "resize", "resize_longest_side", "save", "write_image",
]
