"""Where frames go: a video file, a GIF, or a folder of numbered PNGs.

Files are written under a temporary name and renamed into place when the
sink closes, so a failed run never leaves a broken video where a good one
was. An interrupted run (Ctrl-C) still finishes the file with the frames done
so far: nothing that was computed is lost.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from fractions import Fraction
from pathlib import Path

import torch
from PIL import Image

from ..errors import Assignment, InvalidArgumentError, OutputExistsError
from ..imaging import Picture, write_image
from ..imaging.picture import to_uint8
from ..imaging.write import check_new_file, check_not_an_input, check_writable, create_temporary_beside, metadata_text
from .encode import VIDEO_FORMATS, VideoEncoder
from .sources import parse_fps

GIF = ".gif"
FRAME_NAME = "{:06d}.png"


def is_frame_folder(path: Path) -> bool:
    """A path without an extension (or an existing folder) means "a folder of frames"."""
    return path.is_dir() or not path.suffix or str(path).endswith(os.sep)


def check_sink_path(path: str | os.PathLike, inputs: Iterable[str | os.PathLike] = (), overwrite: bool = False) -> Path:
    """Validate an animation output before any work is done."""
    path = Path(path)
    check_not_an_input(path, inputs)
    if is_frame_folder(path):
        if path.is_dir() and any(path.glob("[0-9]" * 6 + ".png")) and not overwrite:
            raise OutputExistsError(f"{path} already holds frames; pass ", Assignment("overwrite", True),
                                    " to overwrite them")
        check_writable(path, folder=True)
        return path
    if path.suffix.lower() not in VIDEO_FORMATS and path.suffix.lower() != GIF:
        raise InvalidArgumentError(
            f"{path}: unsupported animation output {path.suffix!r}; use {', '.join(VIDEO_FORMATS)}, {GIF} or a folder"
        )
    check_new_file(path, overwrite)
    return path


class FrameSink:
    """Receives frames ((3, H, W) or (1, 3, H, W) tensors in [0, 1]) one at a time.

    Use as a context manager: a normal exit or Ctrl-C finishes the output with
    the frames written so far; any other error discards a partial file.
    """

    frames_written = 0

    def write(self, frame: torch.Tensor) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        """Make the output complete and visible."""

    def discard(self) -> None:
        """Remove a partial output."""

    def __enter__(self) -> "FrameSink":
        return self

    def __exit__(self, kind, error, traceback) -> None:
        if kind is None or issubclass(kind, KeyboardInterrupt):
            if self.frames_written:
                self.finish()
            else:
                self.discard()
        else:
            self.discard()


class FolderSink(FrameSink):
    """Frames as ``000000.png``, ``000001.png``, ... each written atomically."""

    def __init__(self, folder: Path, metadata: dict | None = None):
        self.folder = folder
        self.metadata = metadata

    def write(self, frame: torch.Tensor) -> None:
        write_image(Picture(frame.detach().squeeze(0).float().cpu()), self.folder / FRAME_NAME.format(self.frames_written),
                    metadata=self.metadata, overwrite=True)
        self.frames_written += 1


class VideoSink(FrameSink):
    """A video through imageio-ffmpeg's bundled ffmpeg (H.264, or VP9 for .webm), visually lossless.

    Encoded under a temporary name beside the output, renamed into place when finished.
    """

    def __init__(self, path: Path, fps: Fraction, metadata: dict | None = None):
        self.path = path
        descriptor, self.temporary = create_temporary_beside(path)
        os.close(descriptor)
        self.fps = fps
        self.metadata = metadata
        self._encoder: VideoEncoder | None = None

    def write(self, frame: torch.Tensor) -> None:
        if self._encoder is None:
            height, width = frame.shape[-2:]
            self._encoder = VideoEncoder(self.temporary, width, height, self.fps, metadata_text(self.metadata))
        self._encoder.write(frame)
        self.frames_written += 1

    def finish(self) -> None:
        self._encoder.close()
        os.replace(self.temporary, self.path)

    def discard(self) -> None:
        if self._encoder is not None:
            self._encoder.kill()
        self.temporary.unlink(missing_ok=True)


class GifSink(FrameSink):
    """An endlessly looping GIF (frames are kept until the end: GIF needs a shared palette pass)."""

    def __init__(self, path: Path, fps: float, metadata: dict | None = None):
        self.path = path
        self.fps = fps
        self.metadata = metadata
        self.frames: list[Image.Image] = []

    def write(self, frame: torch.Tensor) -> None:
        self.frames.append(Image.fromarray(to_uint8(frame.detach().squeeze(0))))
        self.frames_written += 1

    def finish(self) -> None:
        save_gif(self.frames, self.path, self.fps, self.metadata)


def save_gif(frames: Iterable[Image.Image], path: Path, fps: Fraction, metadata: dict | None = None) -> None:
    """An endlessly looping GIF of ``frames`` at ``path``, written atomically, ``metadata`` in its comment.

    Streamed (Pillow takes the later frames from an iterator) into a
    temporary file beside ``path``, renamed into place when complete.
    """
    frames = iter(frames)
    first = next(frames)
    descriptor, temporary = create_temporary_beside(path)
    os.close(descriptor)
    try:
        comment = metadata_text(metadata)
        first.save(temporary, format="GIF", save_all=True, append_images=frames, duration=round(1000 / float(fps)),
                   loop=0, **({"comment": comment} if comment else {}))
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def open_sink(path: str | os.PathLike, fps: float | Fraction = 24, metadata: dict | None = None) -> FrameSink:
    """A sink for ``path``: a folder of frames, a GIF, or a video by extension (see :func:`check_sink_path`).

    ``metadata`` (the run's settings) goes into every frame file, or the GIF's or the video's comment.
    """
    path = Path(path)
    fps = parse_fps(fps)
    if is_frame_folder(path):
        return FolderSink(path, metadata)
    if path.suffix.lower() == GIF:
        return GifSink(path, fps, metadata)
    return VideoSink(path, fps, metadata)
