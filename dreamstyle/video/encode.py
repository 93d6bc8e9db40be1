"""Encoding frames into a video file with imageio-ffmpeg's bundled ffmpeg.

- The frame rate is passed as an exact ratio (30000/1001 stays 30000/1001).
- H.264 at CRF 18 (visually lossless) for MP4, MOV and MKV; VP9 for WebM.
- 4:2:0 video needs even sides: an odd side gets one repeated row or column,
  never a resize, and the caller is told.
- Audio is copied from a source file when it has some (re-encoded only if the
  container cannot hold its codec); a source without audio is fine.
- The settings of the run travel in the container's ``comment`` tag, as an
  image's travel in its PNG text or EXIF description.
"""

from __future__ import annotations

import os
import subprocess
from fractions import Fraction
from pathlib import Path

import numpy as np
import torch

from ..errors import ImageReadError, ImageWriteError
from ..imaging.picture import to_uint8
from ..imaging.write import create_temporary_beside

# Container extension -> (video codec, quality options, audio codec used when the source's cannot be copied).
VIDEO_FORMATS = {
    ".mp4": ("libx264", ["-crf", "18", "-preset", "medium"], "aac"),
    ".mov": ("libx264", ["-crf", "18", "-preset", "medium"], "aac"),
    ".mkv": ("libx264", ["-crf", "18", "-preset", "medium"], "aac"),
    ".webm": ("libvpx-vp9", ["-crf", "24", "-b:v", "0"], "libopus"),
}


def ffmpeg_executable() -> str:
    """The path of the ffmpeg that imageio-ffmpeg ships (imported here, so only work with video files needs it)."""
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def even_size(width: int, height: int) -> tuple[int, int]:
    """The (width, height) a 4:2:0 video of a width x height picture has (odd sides grow by one)."""
    return width + width % 2, height + height % 2


def fps_text(fps: Fraction) -> str:
    return f"{fps.numerator}/{fps.denominator}"


class VideoEncoder:
    """Streams RGB frames into a video file at ``path`` (written in place; callers rename).

    Args:
        path: the file to write; its extension picks the format.
        width, height: the frames' size (odd sides are padded by one repeated row/column).
        fps: exact frame rate.
        comment: text for the container's ``comment`` tag (dreamstyle's settings as JSON), or None.
    """

    def __init__(self, path: Path, width: int, height: int, fps: Fraction, comment: str | None = None):
        codec, quality, _ = VIDEO_FORMATS[path.suffix.lower()]
        self.path, self.size = path, (width, height)
        padded_width, padded_height = even_size(width, height)
        command = [ffmpeg_executable(), "-y", "-v", "error", "-f", "rawvideo", "-pix_fmt", "rgb24",
                   "-s", f"{padded_width}x{padded_height}", "-framerate", fps_text(fps), "-i", "-",
                   "-map", "0:v:0", "-c:v", codec, *quality, "-pix_fmt", "yuv420p",
                   *(["-metadata", f"comment={comment}"] if comment else []), str(path)]
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
        self.frames = 0

    def write(self, frame: torch.Tensor | np.ndarray) -> None:
        """Add one frame: a (3, H, W) / (1, 3, H, W) tensor in [0, 1], or an (H, W, 3) uint8 array."""
        pixels = frame if isinstance(frame, np.ndarray) else to_uint8(frame.detach().reshape(-1, *frame.shape[-3:])[0])
        if (pixels.shape[1], pixels.shape[0]) != self.size:
            raise ImageWriteError(f"{self.path}: frame {self.frames} is {pixels.shape[1]}x{pixels.shape[0]}, "
                                  f"the video is {self.size[0]}x{self.size[1]}")
        pad_rows, pad_columns = self.size[1] % 2, self.size[0] % 2
        if pad_rows or pad_columns:
            pixels = np.pad(pixels, ((0, pad_rows), (0, pad_columns), (0, 0)), mode="edge")
        try:
            self.process.stdin.write(np.ascontiguousarray(pixels).tobytes())
        except BrokenPipeError:
            self.close()
        self.frames += 1

    def close(self) -> None:
        """Finish the file; raises ImageWriteError with ffmpeg's reason if it failed."""
        if self.process.stdin and not self.process.stdin.closed:
            try:
                self.process.stdin.close()
            except BrokenPipeError:
                pass
        code = self.process.wait()
        if code != 0:
            reason = _last_line(self.process.stderr.read(), f"exit status {code}")
            raise ImageWriteError(f"{self.path}: ffmpeg could not write the video ({reason})")

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()


def _mux_audio(video: Path, audio_source: Path, output: Path) -> None:
    """``video``'s picture with ``audio_source``'s audio in ``output``: copied, else re-encoded."""
    _, _, fallback = VIDEO_FORMATS[output.suffix.lower()]
    base = [ffmpeg_executable(), "-y", "-v", "error", "-i", str(video), "-i", str(audio_source),
            "-map", "0:v:0", "-map", "1:a?", "-c:v", "copy"]
    for audio in (["-c:a", "copy"], ["-c:a", fallback]):
        result = subprocess.run([*base, *audio, str(output)], capture_output=True, check=False)
        if result.returncode == 0:
            return
    raise ImageWriteError(f"{output}: cannot add the audio of {audio_source} ({_last_line(result.stderr)})")


def encode_video(frames, output: Path, width: int, height: int, fps: Fraction, audio_source: Path | None = None,
                 comment: str | None = None) -> int:
    """Write ``frames`` (tensors or uint8 arrays, see :meth:`VideoEncoder.write`) to ``output`` atomically.

    The video goes to a temporary file beside ``output``, gets the audio of
    ``audio_source`` (if it has any) and ``comment`` in its ``comment`` tag,
    and is renamed into place only when complete. Returns the number of frames.
    """
    descriptor, silent = create_temporary_beside(output)
    os.close(descriptor)
    final = silent
    try:
        encoder = VideoEncoder(silent, width, height, fps, comment)
        try:
            for frame in frames:
                encoder.write(frame)
        except BaseException:
            encoder.kill()
            raise
        encoder.close()
        if audio_source is not None:
            descriptor, final = create_temporary_beside(output)
            os.close(descriptor)
            _mux_audio(silent, audio_source, final)
        os.replace(final, output)
        return encoder.frames
    finally:
        silent.unlink(missing_ok=True)
        final.unlink(missing_ok=True)


def read_video_comment(path: Path) -> str | None:
    """The text of the video's ``comment`` tag (any letter case, as Matroska stores COMMENT), or None.

    Raises:
        ImageReadError: ffmpeg cannot read ``path`` as a video.
    """
    command = [ffmpeg_executable(), "-v", "error", "-i", str(path), "-f", "ffmetadata", "-"]
    result = subprocess.run(command, capture_output=True, check=False)
    if result.returncode != 0:
        raise ImageReadError(f"{path}: not a video dreamstyle can read ({_last_line(result.stderr)})")
    return _ffmetadata_tags(result.stdout.decode("utf-8", errors="replace")).get("comment")


def _last_line(stderr: bytes, otherwise: str = "ffmpeg failed") -> str:
    """ffmpeg's reason for failing: the last line it wrote to stderr."""
    lines = stderr.decode(errors="replace").strip().splitlines()
    return lines[-1] if lines else otherwise


def _ffmetadata_tags(text: str) -> dict[str, str]:
    """The global tags of ffmpeg's FFMETADATA1 text, keys lower-cased.

    In that format ``=``, ``;``, ``#``, ``\\`` and newlines inside a key or value are escaped with a
    backslash; the global tags end at the first ``[SECTION]``.
    """
    tags: dict[str, str] = {}
    key: list[str] = []
    value: list[str] = []
    in_value = False
    characters = iter(text + "\n")
    for character in characters:
        if character == "\\":
            (value if in_value else key).append(next(characters, ""))
        elif character == "=" and not in_value:
            in_value = True
        elif character != "\n":
            (value if in_value else key).append(character)
        else:
            name = "".join(key)
            if name.startswith("["):
                break
            if in_value and name and not name.startswith((";", "#")):
                tags[name.lower()] = "".join(value)
            key, value, in_value = [], [], False
    return tags
