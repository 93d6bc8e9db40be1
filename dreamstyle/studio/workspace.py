"""The studio's files: the outputs folder, uploads, which paths the page may name, and past results."""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from PIL import Image

from ..errors import DreamstyleError, ImageReadError, InvalidArgumentError, Setting
from ..imaging import read_metadata
from ..imaging.picture import picture_from_pil, picture_to_pil
from ..imaging.read import IMAGE_EXTENSIONS, images_in, open_image
from ..imaging.write import encode_image, write_atomically
from ..video.encode import VIDEO_FORMATS
from ..video.job import is_clip_file, read_clip_metadata
from ..video.sources import first_video_frame

# Uploads go into this folder of the outputs folder, in a folder named by their content, so the same photo
# dropped twice is one file, a result's metadata can name its input for good, and the file keeps its own name.
UPLOADS = "uploads"
NAME_CHARACTERS = re.compile(r"[^\w.-]+")
MAX_UPLOAD_BYTES = 64 * 2**20
UPLOAD_EXTENSIONS = frozenset(IMAGE_EXTENSIONS) | frozenset(VIDEO_FORMATS)


class PathRefused(DreamstyleError, PermissionError):
    """The page named a path outside the folders the studio may read."""


class UploadRefused(DreamstyleError, ValueError):
    """An upload is not an image dreamstyle can read."""


class UploadTooLarge(UploadRefused):
    """An upload is over the studio's size limit."""


@dataclass(frozen=True)
class Workspace:
    """Where the studio reads and writes.

    Attributes:
        outputs: results go here, uploads into its ``uploads/`` folder; every file in it may be read.
        roots: the files and folders given on the command line (clips and photos already on disk); they and
            what lies under them may be read, nothing else outside ``outputs``.
        max_upload: the largest upload accepted, in bytes.
    """

    outputs: Path
    roots: tuple[Path, ...] = ()
    max_upload: int = MAX_UPLOAD_BYTES

    @classmethod
    def create(cls, outputs: str | os.PathLike, roots: tuple[str | os.PathLike, ...] = (),
               max_upload: int = MAX_UPLOAD_BYTES) -> "Workspace":
        """The workspace with ``outputs`` (made if missing) and ``roots``, every path made absolute."""
        folder = Path(outputs).expanduser().resolve()
        try:
            (folder / UPLOADS).mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise InvalidArgumentError(Setting("outputs"),
                                       f": cannot make the folder {folder} ({error.strerror or error})") \
                from None
        missing = [str(root) for root in roots if not Path(root).expanduser().exists()]
        if missing:
            raise InvalidArgumentError(Setting("paths"), f": no such file or folder: {', '.join(missing)}")
        return cls(folder, tuple(Path(root).expanduser().resolve() for root in roots), max_upload)

    @property
    def uploads(self) -> Path:
        return self.outputs / UPLOADS

    def readable(self, name: str) -> Path:
        """The existing file or folder ``name`` means (absolute, or relative to the outputs folder).

        Raises:
            PathRefused: it lies outside the outputs folder and the paths given on the command line
                (after following links, so a link cannot lead out).
            InvalidArgumentError: nothing is there.
        """
        if not isinstance(name, str) or not name or "\0" in name:
            raise InvalidArgumentError(Setting("path"), ": give a file's path as text")
        given = Path(name).expanduser()
        path = (given if given.is_absolute() else self.outputs / given).resolve()
        if not any(path == root or path.is_relative_to(root) for root in (self.outputs, *self.roots)):
            raise PathRefused(f"{name}: outside the outputs folder and the paths given to dreamstyle studio; "
                              f"start the studio with this path to use it")
        if not path.exists():
            raise InvalidArgumentError(Setting(name), ": no such file or folder")
        return path

    def relative(self, path: Path) -> str:
        """``path`` as the page names it: relative to the outputs folder when inside it, else absolute."""
        return str(path.relative_to(self.outputs)) if path.is_relative_to(self.outputs) else str(path)

    def save_upload(self, data: bytes, filename: str) -> Path:
        """Keep an uploaded image in ``uploads/``, named by its content, once it reads as an image.

        Raises:
            UploadTooLarge: larger than :attr:`max_upload`.
            UploadRefused: of a kind that is not an image, or not readable (damaged, or so many pixels it
                may be a decompression bomb).
        """
        self.check_upload_size(len(data), filename)
        suffix = Path(filename).suffix.lower()
        if suffix not in UPLOAD_EXTENSIONS:
            raise UploadRefused(f"{filename}: not an image or video file the studio takes "
                                f"({' '.join(sorted(UPLOAD_EXTENSIONS))})")
        folder = self.uploads / hashlib.sha256(data).hexdigest()[:20]
        kept = [path for path in folder.glob("*") if not path.name.startswith(".")] if folder.is_dir() else []
        if kept:
            return kept[0]  # the same picture dropped again, under any name
        path = folder / f"{_safe_stem(Path(filename).stem)}{suffix}"

        def readable(temporary: Path) -> None:
            try:
                first_video_frame(temporary) if suffix in VIDEO_FORMATS else open_image(temporary)
            except ImageReadError as error:
                raise UploadRefused(str(error).replace(str(temporary), filename)) from None

        try:
            write_atomically(path, data, check=readable)
        finally:
            if not path.exists():
                folder.rmdir()
        return path

    def check_upload_size(self, size: int, filename: str) -> None:
        """Raise :class:`UploadTooLarge` for an upload of ``size`` bytes over :attr:`max_upload`."""
        if size > self.max_upload:
            raise UploadTooLarge(f"{filename}: over the studio's upload limit of {self.max_upload / 2**20:.0f} MiB; "
                                 f"downscale it first")

    def free_name(self, base: str, suffix: str) -> Path:
        """``BASE.suffix`` in the outputs folder, or ``BASE-2.suffix``, ``BASE-3.suffix``... if it exists."""
        path, count = self.outputs / f"{base}{suffix}", 1
        while path.exists():
            count += 1
            path = self.outputs / f"{base}-{count}{suffix}"
        return path

    def new_output(self, stem: str, kind: str, suffix: str = ".png") -> Path:
        """A new file in the outputs folder: ``STEM_KIND_YYYYmmdd-HHMMSS.png`` (with a count if that exists)."""
        return self.free_name(f"{stem}_{kind}_{datetime.now():%Y%m%d-%H%M%S}", suffix)

    def history(self) -> list[dict[str, Any]]:
        """Every result (picture, atlas or clip) in the outputs folder that holds dreamstyle's settings, newest
        first.

        Each is ``{"path": name, "modified": seconds, "clip": bool, "metadata": settings}``.
        """
        entries = []
        for path in self.outputs.iterdir():
            clip = is_clip_file(path)
            if not (clip or path.suffix.lower() in IMAGE_EXTENSIONS) or not path.is_file():
                continue
            try:
                metadata = read_clip_metadata(path) if clip else read_metadata(path)
            except ImageReadError:
                continue
            if metadata.get("command") not in ("dream", "transfer", "atlas"):
                continue
            entries.append({"path": path.name, "modified": path.stat().st_mtime, "clip": clip, "metadata": metadata})
        return sorted(entries, key=lambda entry: entry["modified"], reverse=True)

    def clips(self) -> list[dict[str, str]]:
        """What the page may render as a clip: the videos uploaded or in the outputs folder that are not
        results, frame folders there (with at least two frames) and the paths given on the command line
        that are videos or frame folders. Each is ``{"path": as the page names it, "name": to show}``."""
        places = [self.outputs, *(folder for folder in self.uploads.iterdir() if folder.is_dir())]
        candidates = [path for place in places for path in sorted(place.iterdir())]
        for root in self.roots:
            candidates += [root, *(sorted(root.iterdir()) if root.is_dir() else ())]
        chosen = []
        for path in candidates:
            if path.name.startswith(".") or path == self.uploads:
                continue
            video = path.is_file() and path.suffix.lower() in VIDEO_FORMATS
            frames = path.is_dir() and len(images_in(path)) >= 2
            if (video and not _is_result(path)) or frames:
                chosen.append({"path": self.relative(path), "name": path.name + ("/" if frames else "")})
        return list({entry["path"]: entry for entry in chosen}.values())


def _is_result(path: Path) -> bool:
    """Whether the video at ``path`` is a clip dreamstyle made (it carries its settings)."""
    try:
        return bool(read_clip_metadata(path))
    except ImageReadError:
        return False


def _safe_stem(stem: str) -> str:
    """A file name's stem with anything but letters, digits, '.', '-' and '_' made '_' (at most 80 of them)."""
    return NAME_CHARACTERS.sub("_", stem).strip("._")[:80] or "upload"


def thumbnail(path: Path, side: int) -> bytes:
    """A JPEG of the image (or a video's first frame) at ``path`` whose longer side is at most ``side`` px."""
    if path.suffix.lower() in VIDEO_FORMATS:
        image = picture_to_pil(first_video_frame(path))
    else:
        image = open_image(path).convert("RGB")
    image.thumbnail((side, side), Image.Resampling.LANCZOS)
    return encode_image(picture_from_pil(image), "JPEG", None)
