"""Writing images: by extension, atomically, never over an input, with metadata."""

from __future__ import annotations

import io
import json
import os
import secrets
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import torch
from PIL import Image, PngImagePlugin

from ..errors import (
    Assignment,
    DreamstyleError,
    ImageReadError,
    ImageWriteError,
    InvalidArgumentError,
    OutputExistsError,
)
from ..version import __version__
from .deep_colour import DEEP_FORMATS, png_bytes, tiff_bytes
from .picture import Picture, picture_from_pil, picture_to_pil, srgb_icc_bytes, to_uint16
from .read import open_image

# Output file extension -> Pillow format.
FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP", ".tif": "TIFF", ".tiff": "TIFF"}
ALPHA_FORMATS = frozenset({"PNG", "WEBP", "TIFF"})
SAVE_OPTIONS: dict[str, dict[str, Any]] = {
    "PNG": {"compress_level": 6},
    "JPEG": {"quality": 95, "subsampling": 0},
    "WEBP": {"quality": 95, "method": 4},
    "TIFF": {"compression": "tiff_deflate"},
}

METADATA_KEY = "dreamstyle"  # PNG text chunk holding the parameters as JSON
EXIF_IMAGE_DESCRIPTION = 0x010E  # where JPEG, WebP and TIFF carry the same JSON
EXIF_SOFTWARE = 0x0131


def output_format(path: Path) -> str:
    """The Pillow format for ``path``'s extension, or a clear error listing the choices."""
    try:
        return FORMATS[path.suffix.lower()]
    except KeyError:
        raise InvalidArgumentError(
            f"{path}: unsupported output extension {path.suffix or '(none)'!r}; use {', '.join(FORMATS)}"
        ) from None


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def check_writable(path: str | os.PathLike, folder: bool = False) -> None:
    """Refuse, before any work is done, an output ``path`` that could not be created when the work ends.

    ``path`` is a file, or with ``folder`` a folder to write files in. The
    folders need not exist (writing makes them), but the deepest part of the
    path that exists must be a folder this process may write in. Only a real
    write tells (``os.access`` says yes to root on a read-only disk, or in
    ``/proc``): a file is created there and removed, and the first missing
    folder made and removed, so checking leaves nothing behind.

    Raises:
        ImageWriteError: that part is a file, or cannot be written in
            (no permission, or a read-only disk).
    """
    path = Path(path)
    missing = path if folder else path.parent
    existing = missing
    while not existing.exists() and existing != existing.parent:
        missing, existing = existing, existing.parent
    if not existing.is_dir():
        raise ImageWriteError(f"{path}: {existing} is a file, not a folder; choose another output")
    reason = None if os.access(existing, os.W_OK | os.X_OK) else "no permission, or a read-only disk"
    if reason is None:
        reason = _write_probe(existing, None if missing == existing else missing)
    if reason is not None:
        raise ImageWriteError(f"{path}: cannot write in {existing} ({reason}); choose another output")


def _write_probe(folder: Path, missing: Path | None) -> str | None:
    """Why a file cannot be created in ``folder`` (or the folder ``missing`` in it), or None if it can."""
    probe = folder / f".dreamstyle-probe-{secrets.token_hex(4)}"
    try:
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        probe.unlink()
        if missing is not None:
            missing.mkdir()
            missing.rmdir()
    except OSError as error:
        return error.strerror or str(error)
    return None


def check_new_file(path: Path, overwrite: bool) -> None:
    """Refuse, before any work is done, an output file that exists (unless ``overwrite``) or could not be created.

    Raises:
        OutputExistsError: the file exists and ``overwrite`` is False.
        ImageWriteError: the file could not be created (see :func:`check_writable`).
    """
    if path.exists() and not overwrite:
        raise OutputExistsError(f"{path} exists already", *_interrupted_run(path))
    check_writable(path)


def _interrupted_run(path: Path) -> tuple[str | Assignment, ...]:
    """How a refusal to overwrite ``path`` goes on: what to do, and for an interrupted run's picture (its metadata
    says) that it is one, and how to go on from it."""
    try:
        metadata = read_metadata(path)
    except DreamstyleError:
        metadata = {}
    step = metadata.get("interrupted_at_step")
    if step is None:
        return "; pass ", Assignment("overwrite", True), " to overwrite it"
    go_on = Assignment("init", str(path)) if metadata.get("command") == "transfer" else "it as the input"
    return (f": the picture of a {metadata.get('command', 'run')} interrupted after {step} steps; to go on from "
            "it, give ", go_on, " and another output, or pass ", Assignment("overwrite", True),
            " to make it again from the start")


def check_output_path(path: str | os.PathLike, inputs: Iterable[str | os.PathLike] = (), overwrite: bool = False) -> Path:
    """Validate an output path before any work is done, so a long run cannot fail at its end.

    Raises:
        InvalidArgumentError: unknown extension, or the path is one of ``inputs``.
        OutputExistsError: the file exists and ``overwrite`` is False.
        ImageWriteError: the file could not be created (see :func:`check_writable`).
    """
    path = Path(path)
    output_format(path)
    check_not_an_input(path, inputs)
    if path.is_dir():
        raise InvalidArgumentError(f"{path} is a folder; give an image file name such as {path / 'out.png'}")
    check_new_file(path, overwrite)
    return path


def check_not_an_input(path: str | os.PathLike, inputs: Iterable[str | os.PathLike]) -> None:
    """Raise InvalidArgumentError when ``path`` is one of ``inputs`` (by any name): inputs are never overwritten."""
    path = Path(path)
    for source in inputs:
        if _same_file(path, Path(source)) or path.resolve() == Path(source).resolve():
            raise InvalidArgumentError(f"{path} is an input file; choose another output (inputs are never overwritten)")


def create_temporary_beside(path: Path) -> tuple[int, Path]:
    """Create a new hidden file next to ``path`` to be renamed onto it: (open descriptor, its path).

    Same folder, so the final rename is atomic; created with the usual
    permissions (0666 less the umask), so the renamed output is not private.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        while True:
            temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part{path.suffix}")
            try:
                return os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), temporary
            except FileExistsError:
                continue
    except OSError as error:
        raise ImageWriteError(f"{path}: cannot write there ({error.strerror or error})") from None


def metadata_text(metadata: Mapping[str, Any] | None) -> str | None:
    """``metadata`` as the JSON text every dreamstyle output carries (None for no metadata)."""
    if not metadata:
        return None
    return json.dumps(dict(metadata), sort_keys=True, ensure_ascii=True, default=str)


def metadata_from_text(text: str | bytes | None, path: str | os.PathLike) -> dict[str, Any]:
    """The parameters in :func:`metadata_text`'s ``text`` read from ``path``, or {} if there is no text.

    Raises:
        ImageReadError: the text is not JSON.
    """
    if not text:
        return {}
    try:
        value = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ImageReadError(f"{path}: its dreamstyle metadata is damaged (not JSON)") from None
    return value if isinstance(value, dict) else {}


def _pil_save_arguments(fmt: str, metadata: Mapping[str, Any] | None, software: str) -> dict[str, Any]:
    arguments = dict(SAVE_OPTIONS[fmt], icc_profile=srgb_icc_bytes())
    text = metadata_text(metadata)
    if fmt == "PNG":
        info = PngImagePlugin.PngInfo()
        info.add_text("Software", software)
        if text:
            info.add_itxt(METADATA_KEY, text)
        arguments["pnginfo"] = info
    else:
        exif = Image.Exif()
        exif[EXIF_SOFTWARE] = software
        if text:
            exif[EXIF_IMAGE_DESCRIPTION] = text
        arguments["exif"] = exif.tobytes()
    return arguments


def encode_image(picture: Picture, fmt: str, metadata: Mapping[str, Any] | None) -> bytes:
    """The bytes of ``picture`` as a ``fmt`` file carrying ``metadata``: 16 bits per channel for a
    16-bit picture where ``fmt`` has them (PNG, TIFF), else 8."""
    software = f"dreamstyle {__version__}"
    keep_alpha = fmt in ALPHA_FORMATS and picture.alpha is not None
    if picture.bit_depth == 16 and fmt in DEEP_FORMATS:
        samples = to_uint16(torch.cat([picture.rgb, picture.alpha]) if keep_alpha else picture.rgb)
        text = metadata_text(metadata)
        if fmt == "PNG":
            texts = {"Software": software, **({METADATA_KEY: text} if text else {})}
            return png_bytes(samples, srgb_icc_bytes(), texts)
        return tiff_bytes(samples, srgb_icc_bytes(), text, software)
    buffer = io.BytesIO()
    picture_to_pil(picture, keep_alpha=keep_alpha).save(buffer, format=fmt,
                                                        **_pil_save_arguments(fmt, metadata, software))
    return buffer.getvalue()


def write_image(
    picture: Picture,
    path: str | os.PathLike,
    *,
    metadata: Mapping[str, Any] | None = None,
    inputs: Iterable[str | os.PathLike] = (),
    overwrite: bool = False,
) -> Path:
    """Save ``picture`` to ``path``, the format chosen by the extension.

    The file is written to a temporary name in the same folder and renamed into
    place, so a crash or Ctrl-C never leaves a half-written image and never
    damages an existing one. Alpha is kept where the format has it (PNG, WebP,
    TIFF), and 16 bits per channel for a 16-bit picture in PNG and TIFF.
    ``metadata`` is stored as JSON: a PNG text chunk, or the EXIF (TIFF tag)
    ImageDescription of JPEG, WebP and TIFF; :func:`read_metadata` reads it back.
    """
    path = check_output_path(path, inputs, overwrite)
    write_atomically(path, encode_image(picture, output_format(path), metadata))
    return path


def write_atomically(path: Path, payload: bytes, check: Callable[[Path], object] | None = None) -> None:
    """Write ``payload`` to ``path`` through a temporary file beside it, renamed into place once complete.

    Args:
        path: the file to write (an existing one is replaced only by the complete new one).
        payload: its bytes.
        check: called with the complete temporary file before the rename; what it raises leaves ``path``
            as it was and is raised.

    Raises:
        ImageWriteError: the file cannot be written there.
    """
    descriptor, temporary = create_temporary_beside(path)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        if check is not None:
            check(temporary)
        os.replace(temporary, path)
    except BaseException as error:
        temporary.unlink(missing_ok=True)
        if isinstance(error, OSError) and not isinstance(error, DreamstyleError):
            raise ImageWriteError(f"{path}: cannot write ({error.strerror or error})") from None
        raise


def read_metadata(path: str | os.PathLike) -> dict[str, Any]:
    """The parameters :func:`write_image` (or a GIF clip's writer, in its comment) stored in ``path``, or {}."""
    image = open_image(path)
    if image.format == "PNG":
        text = image.text.get(METADATA_KEY)
    elif image.format == "GIF":
        text = image.info.get("comment")
    else:
        text = image.getexif().get(EXIF_IMAGE_DESCRIPTION)
    return metadata_from_text(text, path)


def save(image: Image.Image, path: str | os.PathLike, *, overwrite: bool = False) -> Path:
    """Save a picture the Python API returned, with the settings it holds, so ``like=`` and ``--like`` can repeat it.

    ``image.save()`` (Pillow's) drops them. The format follows the extension
    (.png .jpg .webp .tif), written atomically like every dreamstyle output.

    Args:
        image: a Pillow image from :func:`dreamstyle.dream`, :func:`dreamstyle.transfer` or the
            clip functions; its ``info["dreamstyle"]`` is stored (nothing, for any other image).
        path: where to write it.
        overwrite: replace an existing file.

    Returns:
        the path written.
    """
    return write_image(picture_from_pil(image), path, metadata=image.info.get("dreamstyle"), overwrite=overwrite)
