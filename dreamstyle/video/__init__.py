"""Clips and many images: frame sources and sinks, optical flow, temporal consistency, resumable jobs.

The Python API takes and yields frames: :func:`dream_frames` and
:func:`transfer_frames` render any iterable of images as one clip, each frame
building on the last; :func:`warping_error` measures how steady a result is.

Names are imported on first use (see :mod:`dreamstyle.lazy`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import lazy_exports

_EXPORTS = {
    "DREAM_TEMPORAL": ".config", "FOLDER_KINDS": ".config", "Shard": ".config", "TEMPORAL_MODES": ".config",
    "TRANSFER_TEMPORAL": ".config", "TemporalConfig": ".config",
    "VIDEO_FORMATS": ".encode", "encode_video": ".encode",
    "Motion": ".flow", "optical_flow": ".flow", "reliability": ".flow", "warp": ".flow",
    "FrameJob": ".job", "collect_frames": ".job", "read_clip_metadata": ".job",
    "write_clip": ".job",
    "GIF": ".sinks", "FrameSink": ".sinks", "check_sink_path": ".sinks", "is_frame_folder": ".sinks",
    "open_sink": ".sinks", "save_gif": ".sinks",
    "FrameSource": ".sources", "SourceInfo": ".sources", "natural_key": ".sources", "open_source": ".sources",
    "parse_fps": ".sources",
    "Stability": ".stability", "warping_error": ".stability",
    "Previous": ".temporal", "render_sequence": ".temporal",
    "dream_frames": ".api", "transfer_frames": ".api",
}

if TYPE_CHECKING:
    from .api import dream_frames, transfer_frames
    from .config import DREAM_TEMPORAL, FOLDER_KINDS, TEMPORAL_MODES, TRANSFER_TEMPORAL, Shard, TemporalConfig
    from .encode import VIDEO_FORMATS, encode_video
    from .flow import Motion, optical_flow, reliability, warp
    from .job import FrameJob, collect_frames, read_clip_metadata, write_clip
    from .sinks import GIF, FrameSink, check_sink_path, is_frame_folder, open_sink, save_gif
    from .sources import FrameSource, SourceInfo, natural_key, open_source, parse_fps
    from .stability import Stability, warping_error
    from .temporal import Previous, render_sequence

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

__all__ = [
    "DREAM_TEMPORAL", "FOLDER_KINDS", "GIF", "TEMPORAL_MODES", "TRANSFER_TEMPORAL", "VIDEO_FORMATS", "FrameJob",
    "FrameSink", "FrameSource", "Motion", "Previous", "Shard", "SourceInfo", "Stability", "TemporalConfig",
    "check_sink_path",
    "collect_frames", "dream_frames", "encode_video", "is_frame_folder", "natural_key",
    "open_sink", "open_source", "optical_flow", "parse_fps", "read_clip_metadata", "reliability", "render_sequence",
    "save_gif", "transfer_frames", "warp", "warping_error", "write_clip",
]
