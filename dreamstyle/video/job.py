"""Rendering a clip into a folder of numbered frames that survives crashes and splits across machines.

- Frames are written atomically as ``000000.png``, ``000001.png``, ... (the
  clip's own frame numbers) as soon as each is done, with a manifest holding
  the settings. Running the same command again continues after the last
  finished frame, after checking that the settings match; Ctrl-C loses at
  most the frame in progress.
- A run continues a sequence from the frame before, read back from disk, so
  a resumed run gives exactly the frames of an uninterrupted one.
- ``Shard(K, N)`` renders the K-th of N contiguous chunks, first rendering a
  few frames before the chunk (not written) so its first frame is as steady
  as any other. N machines can share one folder or use one each;
  :func:`collect_frames` joins them.
- A video or GIF is encoded from the frames only once all of them exist.
"""

from __future__ import annotations

import itertools
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image

from ..errors import Assignment, InvalidArgumentError, OutputExistsError
from ..imaging import Picture, read_image, read_metadata, write_image
from ..imaging.resizing import resize
from ..imaging.write import create_temporary_beside, metadata_from_text, metadata_text
from .config import Shard
from .encode import VIDEO_FORMATS, encode_video, read_video_comment
from .sinks import FRAME_NAME, GIF, is_frame_folder, save_gif
from .sources import FrameSource, SourceInfo
from .stability import Stability, warping_error
from .temporal import FrameCallback, FrameRenderer, Previous, render_sequence

MANIFEST = "dreamstyle-frames.json"
FRAME_PATTERN = re.compile(r"^(\d{6,})\.png$")
# Frames rendered before a shard's chunk so that temporal consistency has
# settled by its first frame (the flow warm start converges within a few).
WARMUP_FRAMES = 4


def prepared_frames(source: FrameSource, start: int, hw: tuple[int, int]) -> Iterator[tuple[int, torch.Tensor]]:
    """The source's frames from ``start`` as (1, 3, H, W) batches at ``hw``."""
    for index, picture in source.frames(start):
        yield index, resize(picture.batch(), hw)


def as_json_values(values: Mapping[str, Any]) -> dict:
    """``values`` as they read back from JSON (tuples as lists, other objects as text), for comparing settings."""
    return json.loads(json.dumps(dict(values), sort_keys=True, default=str))


def work_folder(output: Path) -> Path:
    """Where a clip's frames go: the output folder itself, or ``OUTPUT.frames`` beside a video or GIF."""
    return output if is_frame_folder(output) else output.with_name(output.name + ".frames")


def read_manifest(folder: Path) -> dict | None:
    """The manifest of a frames folder, or None if there is none."""
    path = folder / MANIFEST
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        raise InvalidArgumentError(f"{path} is damaged; remove it (or pass ", Assignment("overwrite", True),
                                   ") to start over") from None


def frame_indices(folder: Path) -> set[int]:
    """Indices of the finished frames in ``folder``."""
    if not folder.is_dir():
        return set()
    return {int(m.group(1)) for m in map(FRAME_PATTERN.match, os.listdir(folder)) if m}


@dataclass(frozen=True)
class FrameJob:
    """A clip rendered into ``folder`` as numbered PNG frames.

    Attributes:
        folder: where the frames and the manifest go.
        settings: everything that decides the pixels (a resumed run must match them).
        source: the input clip.
    """

    folder: Path
    settings: Mapping[str, Any]
    source: SourceInfo

    def manifest(self) -> dict:
        return as_json_values({"settings": self.settings, "source": self.source.describe(),
                               "audio": None if self.source.audio is None else str(self.source.audio.resolve())})

    def frame_path(self, index: int) -> Path:
        return self.folder / FRAME_NAME.format(index)

    def stability(self, source: FrameSource, hw: tuple[int, int], shard: "Shard") -> Stability:
        """E_warp of the frames of ``shard`` in the folder, and of the same frames of ``source`` as rendered at
        (H, W) ``hw``."""
        first, stop = shard.span(source.info.count)
        inputs = (frame for _, frame in itertools.islice(prepared_frames(source, first, hw), stop - first))
        outputs = (read_image(self.frame_path(index)).batch() for index in range(first, stop))
        return warping_error(inputs, outputs)

    def prepare(self, overwrite: bool) -> None:
        """Start the folder, or check that its earlier frames were made with these settings.

        ``overwrite`` deletes earlier frames instead of checking them.
        """
        existing = read_manifest(self.folder)
        if overwrite:
            for index in frame_indices(self.folder):
                self.frame_path(index).unlink(missing_ok=True)
        elif existing is not None:
            mine = self.manifest()
            different = [key for key in ("source", "settings")
                         if existing.get(key) != mine[key]]
            if different:
                detail = _difference(existing.get("settings", {}), mine["settings"]) if "settings" in different else \
                    f"from input {existing.get('source', {}).get('name')}"
                raise InvalidArgumentError(
                    f"{self.folder} holds frames made {detail}; re-run with the same settings to continue, pass ",
                    Assignment("overwrite", True), " to start over, or choose another output")
        elif frame_indices(self.folder):
            raise OutputExistsError(f"{self.folder} already holds frames from something else; pass ",
                                    Assignment("overwrite", True), " to overwrite them, or choose another output")
        _write_json(self.folder / MANIFEST, self.manifest())

    def next_missing(self, first: int, stop: int) -> int | None:
        """The first index in [first, stop) without a finished frame, or None when all are done."""
        done = frame_indices(self.folder)
        return next((index for index in range(first, stop) if index not in done), None)

    def render(self, source: FrameSource, render: FrameRenderer, hw: tuple[int, int], shard: Shard = Shard(),
               metadata: Mapping[str, Any] | None = None,
               callback_for: Callable[[int], FrameCallback] | None = None,
               on_frame: Callable[[int, bool, torch.Tensor], None] | None = None) -> int:
        """Render this shard's missing frames in order, writing each as it finishes.

        Args:
            source: the input clip.
            render: the engine's frame renderer.
            hw: (H, W) every frame is rendered at (see :meth:`~dreamstyle.runs.Run.fitted_size`).
            shard: which chunk of the clip.
            metadata: stored in every frame file.
            callback_for: the engine's progress callback for frame ``index``.
            on_frame: called with (index, written, the frame (1, 3, H, W)) after each frame; warm-up frames are not
                written.

        Returns:
            the number of frames written.
        """
        first, stop = shard.span(source.info.count)
        missing = self.next_missing(first, stop)
        if missing is None:
            return 0
        previous, begin = None, max(0, first - WARMUP_FRAMES)
        if missing > first:  # continue our own chain from the last finished frame
            begin = missing
            before = read_image(self.frame_path(missing - 1)).batch()
            _, previous_input = next(prepared_frames(source, missing - 1, hw))
            previous = Previous(previous_input, before)
        written = 0
        for index, _, output in render_sequence(prepared_frames(source, begin, hw), render, previous, callback_for):
            if index >= stop:
                break
            keep = index >= first
            if keep:
                write_image(Picture(output[0]), self.frame_path(index), metadata={**(metadata or {}), "frame": index},
                            overwrite=True)
                written += 1
            if on_frame is not None:
                on_frame(index, keep, output)
            if index + 1 >= stop:
                break
        return written


def _flat(values: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, Mapping):
            flat.update(_flat(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def _difference(old: Mapping[str, Any], new: Mapping[str, Any]) -> str:
    old, new = _flat(old), _flat(new)
    keys = sorted(key for key in set(old) | set(new) if old.get(key) != new.get(key))
    shown = ", ".join(f"{key} {old.get(key)!r} (now {new.get(key)!r})" for key in keys[:3])
    return f"with other settings: {shown}"


def _write_json(path: Path, value: Any) -> None:
    descriptor, temporary = create_temporary_beside(path)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(value, handle, indent=1, sort_keys=True)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def collect_frames(folders: Sequence[Path]) -> tuple[list[Path], dict]:
    """Every frame of a clip from one or more frames folders (e.g. one per shard), in order.

    Checks that the folders come from the same clip and settings, and that no
    frame is missing. Returns (frame paths, the manifest).
    """
    manifest = None
    paths: dict[int, Path] = {}
    for folder in folders:
        found = read_manifest(folder)
        if found is None:
            raise InvalidArgumentError(f"{folder} is not a dreamstyle frames folder (it has no {MANIFEST})")
        if manifest is None:
            manifest = found
        elif {k: found[k] for k in ("settings", "source")} != {k: manifest[k] for k in ("settings", "source")}:
            raise InvalidArgumentError(f"{folder} holds frames of another clip or other settings than {folders[0]}")
        for index in frame_indices(folder):
            paths.setdefault(index, folder / FRAME_NAME.format(index))
    count = int(manifest["source"]["frames"])
    missing = [index for index in range(count) if index not in paths]
    if missing:
        ranges = _ranges(missing)
        raise InvalidArgumentError(f"{len(missing)} of {count} frames are missing ({ranges}); finish every shard first")
    return [paths[index] for index in range(count)], manifest


def _ranges(indices: list[int]) -> str:
    spans, start = [], indices[0]
    for previous, current in zip(indices, indices[1:] + [None]):
        if current != previous + 1:
            spans.append(f"{start}" if start == previous else f"{start}-{previous}")
            start = current
    return ", ".join(spans[:4]) + (" ..." if len(spans) > 4 else "")


def _uint8_frames(paths: Iterable[Path]) -> Iterator[np.ndarray]:
    for path in paths:
        with Image.open(path) as image:
            yield np.asarray(image.convert("RGB"))


def write_clip(frame_paths: Sequence[Path], output: Path, fps: Fraction, audio: Path | None = None) -> str:
    """Encode frame files into a video (with ``audio``'s sound) or a GIF at ``output``, atomically.

    The clip carries the first frame's settings (less its frame number), which
    :func:`read_clip_metadata` reads back.

    Returns a note for the user (empty, or what was adjusted).
    """
    with Image.open(frame_paths[0]) as first:
        width, height = first.size
    metadata = {key: value for key, value in read_metadata(frame_paths[0]).items() if key != "frame"}
    if output.suffix.lower() == GIF:
        save_gif((Image.fromarray(pixels) for pixels in _uint8_frames(frame_paths)), output, fps, metadata)
        return ""
    if output.suffix.lower() not in VIDEO_FORMATS:
        raise InvalidArgumentError(f"{output}: use {', '.join(VIDEO_FORMATS)} or {GIF}")
    encode_video(_uint8_frames(frame_paths), output, width, height, fps, audio, metadata_text(metadata))
    if width % 2 or height % 2:
        return (f"{width}x{height} frames were padded to {width + width % 2}x{height + height % 2} with a repeated "
                f"edge (4:2:0 video needs even sides); the frames themselves keep their size")
    return ""


def is_clip_file(path: Path) -> bool:
    """A video or GIF file by its extension (what :func:`write_clip` writes)."""
    return path.suffix.lower() in VIDEO_FORMATS or path.suffix.lower() == GIF


def read_clip_metadata(path: str | os.PathLike) -> dict[str, Any]:
    """The settings a video or GIF dreamstyle wrote carries, or {} if it has none.

    Raises:
        ImageReadError: not a readable video or GIF, or its settings are damaged.
    """
    path = Path(path)
    if path.suffix.lower() == GIF:
        return read_metadata(path)
    return metadata_from_text(read_video_comment(path), path)
