"""Reading images from files, with errors that name the file."""

from __future__ import annotations

import os
import re
import warnings
from pathlib import Path

import torch
from PIL import Image, UnidentifiedImageError

from ..errors import ImageReadError, InvalidArgumentError
from .deep_colour import has_foreign_profile, is_deep_rgb, read_deep_rgb
from .picture import Picture, picture_from_pil

READABLE = "JPEG, PNG, WebP, TIFF, BMP or GIF"
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".webp", ".tif", ".tiff", ".bmp", ".gif")


def natural_key(path: Path) -> list:
    """Sort key that orders ``frame2`` before ``frame10``."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", str(path))]


def images_in(folder: Path) -> list[Path]:
    """The image files in ``folder`` (not hidden ones), in natural order."""
    return sorted((p for p in folder.iterdir() if p.suffix.lower() in IMAGE_EXTENSIONS and not p.name.startswith(".")),
                  key=natural_key)


def image_size(path: str | os.PathLike) -> tuple[int, int]:
    """(width, height) of the image at ``path``, from its header alone (as stored: before any EXIF turn)."""
    try:
        with Image.open(path) as image:
            return image.size
    except OSError as error:
        raise ImageReadError(f"{path}: not an image file dreamstyle can read ({error})") from None


def open_image(path: str | os.PathLike) -> Image.Image:
    """Open and fully decode ``path`` with Pillow (first frame of an animation).

    Raises:
        ImageReadError: missing, unreadable, not an image, truncated, or so
            large it may be a decompression bomb; the message names the file.
    """
    path = Path(path)
    if not path.exists():
        raise ImageReadError(f"{path}: no such file")
    if path.is_dir():
        raise ImageReadError(f"{path} is a folder, not an image file")
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its two limits; a creative tool reading
            # files from the internet treats both as "refuse".
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(path)
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageReadError(
            f"{path}: too many pixels (over {Image.MAX_IMAGE_PIXELS:,}); this may be a decompression bomb. "
            f"Downscale it with another tool first"
        ) from None
    except UnidentifiedImageError:
        raise ImageReadError(f"{path}: not an image file dreamstyle can read (use {READABLE})") from None
    except PermissionError:
        raise ImageReadError(f"{path}: permission denied") from None
    except (OSError, SyntaxError, ValueError) as error:
        raise ImageReadError(f"{path}: damaged or truncated image ({error})") from None
    if getattr(image, "n_frames", 1) > 1:
        # load() closes the file of a single image but keeps an animation's
        # open for its later frames; only the first frame is used.
        first = image.copy()
        first.format = image.format  # copy() forgets it; read_metadata looks for a GIF's comment by it
        image.close()
        return first
    return image


def read_image(path: str | os.PathLike, size: int | None = None) -> Picture:
    """Read ``path`` into a :class:`Picture`, optionally resized so its longer side is ``size`` px.

    A 16-bit RGB(A) PNG or TIFF keeps its 16 bits (``bit_depth`` 16) unless it
    embeds a colour profile other than sRGB: that is converted to sRGB at 8 bits,
    with a warning.
    """
    path = Path(path)
    image = open_image(path)
    try:
        picture = _read_deep_picture(path, image) or picture_from_pil(image, source=path)
    except (OSError, ValueError) as error:
        raise ImageReadError(f"{path}: cannot convert image mode {image.mode} to RGB ({error})") from None
    return picture if size is None else picture.resized_longest_side(size)


def _read_deep_picture(path: Path, image: Image.Image) -> Picture | None:
    """``image``'s full 16-bit picture, or None when it is not a 16-bit RGB(A) file that can keep them."""
    if not is_deep_rgb(path, image):
        return None
    if has_foreign_profile(image):
        warnings.warn(f"{path}: its colour profile is converted to sRGB at 8 bits per channel, so the output is "
                      f"8-bit; export it as 16-bit sRGB to keep 16 bits", stacklevel=3)
        return None
    rgb, alpha = read_deep_rgb(path, image)
    return Picture(rgb=rgb, alpha=alpha, source=path, bit_depth=16)


ImageLike = "str | os.PathLike | Image.Image | torch.Tensor | Picture"


def as_picture(image: ImageLike, size: int | None = None) -> Picture:
    """What the Python API takes as an image, as a :class:`Picture`.

    Args:
        image: a file path, a Pillow image, a Picture, or a tensor (3, H, W) or
            (1, 3, H, W) holding RGB in [0, 1].
        size: if given, resize so the longer side is ``size`` px.
    """
    if isinstance(image, Picture):
        picture = image
    elif isinstance(image, Image.Image):
        picture = picture_from_pil(image)
    elif isinstance(image, torch.Tensor):
        rgb = image.detach().float().cpu()
        rgb = rgb[0] if rgb.dim() == 4 and rgb.shape[0] == 1 else rgb
        if rgb.dim() != 3 or rgb.shape[0] != 3:
            raise InvalidArgumentError(f"an image tensor must be (3, H, W) or (1, 3, H, W), got {tuple(image.shape)}")
        picture = Picture(rgb=rgb.clamp(0.0, 1.0))
    else:
        return read_image(image, size)
    return picture if size is None else picture.resized_longest_side(size)
