"""Image files in and out: loading, colour management, resizing, atomic saving, metadata."""

from .picture import Picture, picture_from_pil, picture_to_pil
from .read import as_picture, open_image, read_image
from .resize import fit_longest_side, resize, resize_longest_side
from .write import FORMATS, check_output_path, read_metadata, save, write_image

__all__ = [
    "FORMATS", "Picture", "as_picture", "check_output_path", "fit_longest_side", "open_image", "picture_from_pil",
    "picture_to_pil", "read_image", "read_metadata", "resize", "resize_longest_side", "save", "write_image",
]
