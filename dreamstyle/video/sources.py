"""Where frames come from: a video file, an animated GIF, a folder of frames, or a list of images.

Every source streams: frames are decoded one at a time and never held all at
once, so a clip's length does not change the memory a run needs. Folders and
globs are sorted in natural order (``frame2`` before ``frame10``).
"""

from __future__ import annotations

import glob
import os
import re
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageSequence

from ..errors import Assignment, ImageReadError, InvalidArgumentError, Setting, count_of
from ..imaging import Picture, picture_from_pil, read_image
from ..imaging.read import IMAGE_EXTENSIONS, image_size, images_in, natural_key, open_image
from .config import FOLDER_KINDS, GLOB_CHARACTERS
from .encode import ffmpeg_executable

VIDEO_EXTENSIONS = (".mp4", ".mov", ".mkv", ".webm", ".avi", ".m4v")
# A frame's name: anything, then its number (frame_0007, 000007, shot12).
_FRAME_NAME = re.compile(r"(.*?)(\d+)")


def parse_fps(value: str | float | Fraction) -> Fraction:
    """``"30000/1001"``, ``"29.97"`` or a number -> a positive Fraction."""
    try:
        fps = Fraction(str(value).strip()) if not isinstance(value, Fraction) else value
    except (ValueError, ZeroDivisionError):
        raise InvalidArgumentError(Setting("fps"),
                                   f": {value!r} is not a frame rate such as 24, 29.97 or 30000/1001") from None
    if fps <= 0:
        raise InvalidArgumentError.about("fps", f"must be positive, got {value}")
    return fps


@dataclass(frozen=True)
class SourceInfo:
    """What a run needs to know about its input before reading it.

    Attributes:
        kind: ``"video"``, ``"gif"``, ``"folder"`` (of frames: one clip), ``"photos"`` (a folder of separate
            photos) or ``"files"`` (images named one by one, or by a glob).
        name: how to name it to the user.
        count: number of frames.
        fps: the frame rate (exact for videos), or None when the input has none.
        size: (width, height) of the first frame.
        audio: the path of a file whose audio track belongs to the result, or None.
    """

    kind: str
    name: str
    count: int
    fps: Fraction | None
    size: tuple[int, int]
    audio: Path | None

    @property
    def is_sequence(self) -> bool:
        """Frames of one clip (temporal consistency applies), not a batch of separate photos."""
        return self.kind not in ("files", "photos")

    def describe(self) -> dict:
        """Plain values identifying the input, stored with the frames to check a resumed run."""
        return {"kind": self.kind, "name": self.name, "frames": self.count,
                "fps": None if self.fps is None else str(self.fps), "size": list(self.size)}


class FrameSource:
    """Frames in order, decoded lazily. ``frames(start)`` yields (index, Picture) from ``start``."""

    info: SourceInfo

    def frames(self, start: int = 0) -> Iterator[tuple[int, Picture]]:
        raise NotImplementedError


class FilesSource(FrameSource):
    """Image files in natural order: a folder of frames (a sequence) or a batch of photos."""

    def __init__(self, paths: Sequence[Path], kind: str, name: str, fps: Fraction | None = None):
        self.paths = list(paths)
        first = open_image(self.paths[0])
        self.info = SourceInfo(kind, name, len(self.paths), fps, first.size, None)

    def frames(self, start: int = 0) -> Iterator[tuple[int, Picture]]:
        for index in range(start, len(self.paths)):
            yield index, read_image(self.paths[index])


class GifSource(FrameSource):
    """The frames of an animated GIF (its frame durations give the rate)."""

    def __init__(self, path: Path):
        self.path = path
        with Image.open(path) as image:
            count = getattr(image, "n_frames", 1)
            duration = image.info.get("duration") or 100
            size = image.size
        self.info = SourceInfo("gif", path.name, count, Fraction(1000, int(duration)), size, None)

    def frames(self, start: int = 0) -> Iterator[tuple[int, Picture]]:
        with Image.open(self.path) as image:
            for index, frame in enumerate(ImageSequence.Iterator(image)):
                if index >= start:
                    yield index, picture_from_pil(frame.convert("RGBA"))


def exact_frame_rate(path: Path) -> Fraction | None:
    """The video stream's frame rate as an exact fraction (30000/1001, not 29.97).

    ffmpeg's YUV4MPEG2 header states the rate as a ratio, so one frame is
    decoded to that format and the header read; imageio-ffmpeg's own reader
    only reports a rounded float.
    """
    command = [ffmpeg_executable(), "-v", "error", "-i", str(path), "-map", "0:v:0", "-frames:v", "1",
               "-f", "yuv4mpegpipe", "-"]
    result = subprocess.run(command, capture_output=True, check=False)
    match = re.search(rb" F(\d+):(\d+) ", result.stdout[:200])
    if not match or int(match.group(2)) == 0:
        return None
    return Fraction(int(match.group(1)), int(match.group(2)))


class VideoSource(FrameSource):
    """A video file read through imageio-ffmpeg, one frame at a time."""

    def __init__(self, path: Path):
        import imageio_ffmpeg

        self.path = path
        try:
            reader = imageio_ffmpeg.read_frames(str(path))
            meta = next(reader)
            reader.close()
            count, _ = imageio_ffmpeg.count_frames_and_secs(str(path))
        except (OSError, RuntimeError, StopIteration, IndexError) as error:
            raise ImageReadError(f"{path}: not a video dreamstyle can read ({_reason(error)})") from None
        if count < 1:
            raise ImageReadError(f"{path}: the video has no frames")
        fps = exact_frame_rate(path) or Fraction(meta["fps"]).limit_denominator(1001)
        audio = path if meta.get("audio_codec") else None
        self.info = SourceInfo("video", path.name, count, fps, tuple(meta["size"]), audio)

    def frames(self, start: int = 0) -> Iterator[tuple[int, Picture]]:
        yield from _decoded_frames(self.path, start)


def first_video_frame(path: Path) -> Picture:
    """The first frame of the video at ``path``, decoding nothing after it.

    Raises:
        ImageReadError: not a video with a frame.
    """
    try:
        for _, picture in _decoded_frames(path):
            return picture
    except (OSError, RuntimeError, StopIteration, IndexError) as error:
        raise ImageReadError(f"{path}: not a video dreamstyle can read ({_reason(error)})") from None
    raise ImageReadError(f"{path}: the video has no frames")


def _reason(error: Exception) -> str:
    """imageio-ffmpeg's reason for an error, on one line: its last."""
    text = str(error).strip()
    return text.splitlines()[-1] if text else type(error).__name__


def _decoded_frames(path: Path, start: int = 0) -> Iterator[tuple[int, Picture]]:
    """(index, Picture) for the video's frames from ``start`` on, through imageio-ffmpeg."""
    import imageio_ffmpeg

    reader = imageio_ffmpeg.read_frames(str(path))
    try:
        meta = next(reader)
        width, height = meta["size"]
        for index, data in enumerate(reader):
            if index >= start:
                pixels = np.frombuffer(data, dtype=np.uint8).reshape(height, width, 3)
                rgb = torch.from_numpy(pixels.copy()).permute(2, 0, 1).float().div_(255.0)
                yield index, Picture(rgb=rgb)
    finally:
        reader.close()


def is_video_path(path: str | os.PathLike) -> bool:
    return Path(path).suffix.lower() in VIDEO_EXTENSIONS


def _expand(inputs: Sequence[str | os.PathLike]) -> list[Path]:
    paths: list[Path] = []
    for item in inputs:
        text = os.fspath(item)
        if any(c in text for c in GLOB_CHARACTERS) and not Path(text).exists():
            matches = [Path(m) for m in glob.glob(os.path.expanduser(text))]
            if not matches:
                raise ImageReadError(f"{text}: no files match this pattern")
            paths.extend(matches)
        else:
            paths.append(Path(text).expanduser())
    return paths


def open_source(inputs: Sequence[str | os.PathLike], fps: Fraction | None = None,
                folder_is: str | None = None) -> FrameSource | None:
    """The frames named by ``inputs`` (paths and globs), or None when they are one still image.

    One video file or animated GIF is a sequence; several images (or a glob)
    are a batch, in natural order. A folder is a clip when its images are
    all one size and named as one numbered sequence (``frame_0001.png``...),
    else a batch of separate photos; ``folder_is`` (``"clip"`` or
    ``"batch"``) says which instead. ``fps`` replaces the input's own rate.

    Raises:
        ImageReadError: a folder without images, or one taken as a clip whose frames differ in size (the
            first odd frame named).
    """
    if folder_is is not None and folder_is not in FOLDER_KINDS:
        raise InvalidArgumentError.about("folder_is", f"must be one of {', '.join(FOLDER_KINDS)}, got {folder_is!r}")
    paths = _expand(inputs)
    if len(paths) == 1:
        path = paths[0]
        if path.is_dir():
            return _folder_source(path, fps, folder_is)
        if is_video_path(path):
            if not path.is_file():
                raise ImageReadError(f"{path}: no such file")
            return _with_fps(VideoSource(path), fps)
        if path.suffix.lower() == ".gif" and path.is_file():
            with Image.open(path) as image:
                if getattr(image, "n_frames", 1) > 1:
                    return _with_fps(GifSource(path), fps)
        if not any(c in os.fspath(inputs[0]) for c in GLOB_CHARACTERS) or not path.exists():
            return None
    for path in paths:
        if path.is_dir() or is_video_path(path):
            raise InvalidArgumentError(f"{path}: give either one video or folder, or several image files, not a mix")
    ordered = sorted(dict.fromkeys(paths), key=natural_key)
    return FilesSource(ordered, "files", count_of(len(ordered), "image"), fps)


def _folder_source(path: Path, fps: Fraction | None, folder_is: str | None) -> FilesSource:
    """A folder's images as one clip or as separate photos (see :func:`open_source`)."""
    images = images_in(path)
    if not images:
        raise ImageReadError(f"{path}: the folder holds no images ({', '.join(IMAGE_EXTENSIONS)})")
    first = image_size(images[0])
    odd = next((image for image in images[1:] if image_size(image) != first), None)
    if folder_is is None:
        folder_is = "clip" if odd is None and is_numbered_sequence(images) else "batch"
    if folder_is == "batch":
        return FilesSource(images, "photos", f"{path.name}/", fps)
    if odd is not None:
        width, height = image_size(odd)
        raise ImageReadError(f"{odd}: {width}x{height} px, but the frames of a clip are all one size and the first, "
                             f"{images[0].name}, is {first[0]}x{first[1]}; resize the frames, or pass ",
                             Assignment("folder_is", "batch"), " to make each picture on its own")
    return FilesSource(images, "folder", path.name, fps)


def is_numbered_sequence(paths: Sequence[Path]) -> bool:
    """Whether the files are named as frames of one clip: one name but for a number at its end."""
    stems = [_FRAME_NAME.fullmatch(path.stem) for path in paths]
    return all(stems) and len({stem.group(1) for stem in stems}) == 1


def _with_fps(source: FrameSource, fps: Fraction | None) -> FrameSource:
    if fps is not None:
        source.info = SourceInfo(**{**source.info.__dict__, "fps": fps})
    return source
