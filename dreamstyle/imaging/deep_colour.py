"""16 bits per channel: reading and writing RGB(A) PNG and TIFF files that Pillow would cut to 8 bits.

Pillow opens a 16-bit RGB PNG or TIFF as 8-bit RGB and cannot write one, so
the pixels go through OpenCV (already a dependency, for optical flow) on the
way in and through two small encoders here on the way out; the metadata,
ICC profile and EXIF still come from Pillow.
"""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import cv2
import numpy as np
import torch
from PIL import Image, ImageCms

DEEP_FORMATS = frozenset({"PNG", "TIFF"})
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_EXIF_ORIENTATION = 0x0112
_TIFF_BITS_PER_SAMPLE = 258


def is_deep_rgb(path: Path, image: Image.Image) -> bool:
    """Whether ``image`` (opened from ``path``) stores 16-bit RGB or RGBA samples that Pillow reduced to 8 bits."""
    if image.mode not in ("RGB", "RGBA"):
        return False
    if image.format == "PNG":
        with open(path, "rb") as handle:
            header = handle.read(25)
        # IHDR is always the first chunk; its ninth byte is the bit depth.
        return header[:8] == _PNG_SIGNATURE and header[24] == 16
    if image.format == "TIFF":
        bits = image.tag_v2.get(_TIFF_BITS_PER_SAMPLE, (8,))
        return all(b == 16 for b in (bits if isinstance(bits, tuple) else (bits,)))
    return False


def has_foreign_profile(image: Image.Image) -> bool:
    """Whether ``image`` embeds an ICC profile other than sRGB (which only an 8-bit conversion can honour)."""
    icc = image.info.get("icc_profile")
    if not icc:
        return False
    try:
        description = ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(icc)))
    except (ImageCms.PyCMSError, OSError, ValueError):
        return True
    return "srgb" not in description.lower()


def _oriented(x: torch.Tensor, orientation: int) -> torch.Tensor:
    """``x`` (C, H, W) turned as EXIF ``orientation`` (1-8) says, as Pillow's ``exif_transpose`` does."""
    turns = {
        2: lambda t: t.flip(-1),
        3: lambda t: t.flip(-1, -2),
        4: lambda t: t.flip(-2),
        5: lambda t: t.transpose(-1, -2),
        6: lambda t: torch.rot90(t, -1, (-2, -1)),
        7: lambda t: t.transpose(-1, -2).flip(-1, -2),
        8: lambda t: torch.rot90(t, 1, (-2, -1)),
    }
    return turns[orientation](x).contiguous() if orientation in turns else x


def read_deep_rgb(path: Path, image: Image.Image) -> tuple[torch.Tensor, torch.Tensor | None]:
    """The full-precision pixels of a file :func:`is_deep_rgb` accepted.

    Returns:
        rgb (3, H, W) float32 in [0, 1], and alpha (1, H, W) in [0, 1] or None when opaque;
        turned upright by the file's EXIF orientation.
    """
    samples = cv2.imdecode(np.fromfile(path, dtype=np.uint8), cv2.IMREAD_UNCHANGED)
    if samples is None or samples.dtype != np.uint16 or samples.ndim != 3:
        raise OSError("OpenCV could not decode its 16-bit samples")
    order = [2, 1, 0, 3][: samples.shape[2]]  # OpenCV's BGR(A) to RGB(A)
    values = torch.from_numpy(samples[..., order].astype(np.float32) / 65535.0).permute(2, 0, 1)
    values = _oriented(values, image.getexif().get(_EXIF_ORIENTATION, 1))
    rgb, alpha = values[:3].contiguous(), values[3:].contiguous()
    return rgb, (alpha if alpha.numel() and alpha.min() < 1.0 else None)


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bytes(samples: np.ndarray, icc: bytes, texts: dict[str, str]) -> bytes:
    """A 16-bit PNG of ``samples`` (H, W, 3 or 4) uint16, with an ICC profile and international text chunks."""
    height, width, channels = samples.shape
    rows = samples.astype(">u2").view(np.uint8).reshape(height, width * channels * 2)
    # Filter "Sub" on every row: each byte less the same byte one pixel left,
    # which turns a smooth gradient's high bytes into runs of zeros for zlib.
    step = channels * 2
    filtered = rows.copy()
    filtered[:, step:] -= rows[:, :-step]
    scanlines = np.concatenate([np.ones((height, 1), np.uint8), filtered], axis=1)
    chunks = [_png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 16, 2 if channels == 3 else 6, 0, 0, 0)),
              _png_chunk(b"iCCP", b"ICC Profile\0\0" + zlib.compress(icc))]
    # iTXt: keyword, no compression, no language tag, no translated keyword, UTF-8 text.
    chunks += [_png_chunk(b"iTXt", key.encode("latin-1") + b"\0\0\0\0\0" + text.encode("utf-8"))
               for key, text in texts.items()]
    chunks += [_png_chunk(b"IDAT", zlib.compress(scanlines.tobytes(), 6)), _png_chunk(b"IEND", b"")]
    return _PNG_SIGNATURE + b"".join(chunks)


# TIFF field types.
_ASCII, _SHORT, _LONG, _UNDEFINED = 2, 3, 4, 7
_TYPE_SIZE = {_ASCII: 1, _SHORT: 2, _LONG: 4, _UNDEFINED: 1}
_TYPE_CODE = {_SHORT: "H", _LONG: "I"}


def tiff_bytes(samples: np.ndarray, icc: bytes, description: str | None, software: str) -> bytes:
    """A little-endian, deflate-compressed 16-bit TIFF of ``samples`` (H, W, 3 or 4) uint16, in one strip."""
    height, width, channels = samples.shape
    # Predictor 2 (horizontal differencing) on whole 16-bit samples, as TIFF 6.0 defines it.
    differences = samples.astype("<u2")
    differences[:, 1:] -= samples[:, :-1]
    strip = zlib.compress(differences.tobytes(), 6)
    entries: list[tuple[int, int, object]] = [
        (256, _LONG, [width]), (257, _LONG, [height]), (258, _SHORT, [16] * channels), (259, _SHORT, [8]),
        (262, _SHORT, [2]), (273, _LONG, [0]), (277, _SHORT, [channels]), (278, _LONG, [height]),
        (279, _LONG, [len(strip)]), (284, _SHORT, [1]), (305, _ASCII, software), (317, _SHORT, [2]),
        (34675, _UNDEFINED, icc),
    ]
    if description is not None:
        entries.append((270, _ASCII, description))
    if channels == 4:
        entries.append((338, _SHORT, [2]))  # the fourth sample is unassociated alpha
    entries.sort(key=lambda entry: entry[0])

    def encoded(kind: int, value) -> bytes:
        if kind == _ASCII:
            return value.encode("ascii", "replace") + b"\0"
        if kind == _UNDEFINED:
            return value
        return struct.pack(f"<{len(value)}{_TYPE_CODE[kind]}", *value)

    strip_offset = 8
    extra = bytearray()
    extra_start = strip_offset + len(strip) + (len(strip) & 1)
    fields = []
    for tag, kind, value in entries:
        data = encoded(kind, value) if tag != 273 else struct.pack("<I", strip_offset)
        if len(data) <= 4:
            field = data.ljust(4, b"\0")
        else:
            field = struct.pack("<I", extra_start + len(extra))
            extra += data + b"\0" * (len(data) & 1)  # values start on a word boundary
        fields.append(struct.pack("<HHI", tag, kind, len(data) // _TYPE_SIZE[kind]) + field)
    ifd_offset = extra_start + len(extra)
    ifd = struct.pack("<H", len(fields)) + b"".join(fields) + struct.pack("<I", 0)
    return (b"II*\0" + struct.pack("<I", ifd_offset) + strip + b"\0" * (len(strip) & 1) + bytes(extra) + ifd)
