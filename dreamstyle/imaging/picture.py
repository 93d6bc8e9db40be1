"""Picture: an image as a float tensor, with its alpha kept aside."""

from __future__ import annotations

import functools
import io
import struct
import warnings
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageCms, ImageOps

from ..errors import InvalidArgumentError
from .resizing import resize, resize_longest_side

_SIXTEEN_BIT_MODES = ("I;16", "I;16B", "I;16L", "I;16N", "I")
_WITH_ALPHA = ("RGBA", "LA", "La", "PA", "RGBa")


@dataclass(frozen=True)
class Picture:
    """An sRGB image ready for the engines.

    Attributes:
        rgb: (3, H, W) float32, sRGB values in [0, 1].
        alpha: (1, H, W) float32 in [0, 1], or None when the image is opaque.
        source: the file it was read from, if any.
        bit_depth: bits per channel of that file (8 or 16); a 16-bit picture is written
            as 16-bit where the output format allows (PNG, TIFF).
    """

    rgb: torch.Tensor
    alpha: torch.Tensor | None = None
    source: Path | None = None
    bit_depth: int = 8

    @property
    def height(self) -> int:
        return int(self.rgb.shape[-2])

    @property
    def width(self) -> int:
        return int(self.rgb.shape[-1])

    def batch(self) -> torch.Tensor:
        """The colour as a (1, 3, H, W) batch."""
        return self.rgb.unsqueeze(0)

    def resized_longest_side(self, longest: int) -> "Picture":
        """This picture (alpha too) scaled so its longer side is ``longest`` px."""
        rgb = resize_longest_side(self.rgb, longest)
        return replace(self, rgb=rgb, alpha=self._alpha_at(rgb.shape[-2:]))

    def with_rgb(self, rgb: torch.Tensor) -> "Picture":
        """A new picture with colour ``rgb`` ((3, H, W) or (1, 3, H, W)) and this one's alpha, fitted to it."""
        rgb = rgb.detach().squeeze(0).float().cpu()
        return replace(self, rgb=rgb, alpha=self._alpha_at(rgb.shape[-2:]))

    def _alpha_at(self, size) -> torch.Tensor | None:
        return None if self.alpha is None else resize(self.alpha, tuple(size))


def _srgb_profile() -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


@functools.cache
def srgb_icc_bytes() -> bytes:
    """The ICC profile embedded in written files: outputs are always sRGB.

    littleCMS stamps a new profile with the current time, which would make
    two identical runs write different bytes; the date is pinned and the
    profile ID (an MD5 over the header, date included) cleared, as ICC allows.
    """
    profile = bytearray(_srgb_profile().tobytes())
    profile[24:36] = struct.pack(">6H", 2000, 1, 1, 0, 0, 0)
    profile[84:100] = bytes(16)
    return bytes(profile)


def _to_srgb(image: Image.Image, mode: str) -> Image.Image:
    """Convert ``image`` into ``mode`` ("RGB" or "L"-free modes), honouring an embedded ICC profile."""
    icc = image.info.get("icc_profile")
    if icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            return ImageCms.profileToProfile(image, source, _srgb_profile(), outputMode=mode)
        except (ImageCms.PyCMSError, OSError, ValueError) as error:
            warnings.warn(f"ignoring an unusable ICC profile ({error}); colours may be off", stacklevel=3)
    return image.convert(mode)


def _sixteen_bit_gray(image: Image.Image) -> np.ndarray:
    """(H, W, 3) float32 in [0, 1] from a 16-bit (or 32-bit int) grayscale image, without dropping to 8 bits."""
    values = np.asarray(image, dtype=np.float32)
    gray = np.clip(values / 65535.0, 0.0, 1.0)
    return np.repeat(gray[..., None], 3, axis=2)


def picture_from_pil(image: Image.Image, source: Path | None = None) -> Picture:
    """Convert any Pillow image to a :class:`Picture`.

    EXIF orientation is applied; grayscale, palette, CMYK and other modes become
    RGB; an embedded ICC profile is converted to sRGB; 16-bit grayscale keeps
    its precision (and ``bit_depth`` 16); alpha is kept aside (dropped when fully opaque).
    """
    image = ImageOps.exif_transpose(image)
    alpha = None
    if image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    if image.mode in _WITH_ALPHA or (image.mode == "L" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        alpha_band = np.asarray(rgba.getchannel("A"), dtype=np.float32) / 255.0
        if alpha_band.min() < 1.0:
            alpha = torch.from_numpy(alpha_band.copy()).unsqueeze(0)
        icc = image.info.get("icc_profile")
        image = rgba.convert("RGB")
        if icc:
            image.info["icc_profile"] = icc
    bit_depth = 8
    if image.mode in _SIXTEEN_BIT_MODES:
        array, bit_depth = _sixteen_bit_gray(image), 16
    elif image.mode == "F":
        array = np.repeat(np.clip(np.asarray(image, dtype=np.float32), 0.0, 1.0)[..., None], 3, axis=2)
    else:
        array = np.asarray(_to_srgb(image, "RGB"), dtype=np.float32) / 255.0
    rgb = torch.from_numpy(np.ascontiguousarray(array)).permute(2, 0, 1).contiguous()
    return Picture(rgb=rgb, alpha=alpha, source=source, bit_depth=bit_depth)


def _levels(x: torch.Tensor, top: float) -> torch.Tensor:
    """(C, H, W) in [0, 1] as float levels 0..``top``, rounded, on the CPU."""
    # One float copy, rescaled in place: on an 8192 px image each copy is 800 MB.
    return x.detach().float().cpu().clamp(0.0, 1.0).mul_(top).round_()


def to_uint8(x: torch.Tensor) -> np.ndarray:
    """(C, H, W) in [0, 1] -> (H, W, C) uint8, rounded."""
    return _levels(x, 255.0).to(torch.uint8).permute(1, 2, 0).numpy()


def to_uint16(x: torch.Tensor) -> np.ndarray:
    """(C, H, W) in [0, 1] -> (H, W, C) uint16, rounded, contiguous."""
    return np.ascontiguousarray(_levels(x, 65535.0).to(torch.int32).permute(1, 2, 0).numpy().astype(np.uint16))


def picture_to_pil(picture: Picture, keep_alpha: bool = True) -> Image.Image:
    """An 8-bit RGB (or RGBA, when the picture has alpha and ``keep_alpha``) Pillow image."""
    rgb = to_uint8(picture.rgb)
    if keep_alpha and picture.alpha is not None:
        return Image.fromarray(np.concatenate([rgb, to_uint8(picture.alpha)], axis=2), "RGBA")
    return Image.fromarray(rgb, "RGB")


def check_rgb_batch(tensor: torch.Tensor, name: str) -> None:
    """Raise InvalidArgumentError, naming ``name``, unless ``tensor`` is an (N, 3, H, W) floating-point batch."""
    if not isinstance(tensor, torch.Tensor) or tensor.dim() != 4 or tensor.shape[1] != 3 \
            or not tensor.is_floating_point():
        shape = tuple(tensor.shape) if isinstance(tensor, torch.Tensor) else type(tensor).__name__
        raise InvalidArgumentError.about(name, f"must be an (N, 3, H, W) floating-point RGB batch, got {shape}")
