"""Clips and many images: frame sources and sinks, optical flow, temporal consistency, resumable jobs.

The Python API takes and yields frames: :func:`dream_frames` and
:func:`transfer_frames` render any iterable of images as one clip, each frame
building on the last; :func:`warping_error` measures how steady a result is.
"""

from .encode import VIDEO_FORMATS, encode_video
from .flow import Motion, optical_flow, reliability, warp
from .job import FrameJob, Shard, collect_frames, read_clip_metadata, write_clip
from .sinks import GIF, FrameSink, check_sink_path, is_frame_folder, open_sink, save_gif
from .sources import FrameSource, SourceInfo, natural_key, open_source, parse_fps
from .stability import Stability, warping_error
from .temporal import (DREAM_TEMPORAL, TEMPORAL_MODES, TRANSFER_TEMPORAL, Previous, TemporalConfig, dream_renderer,
                       render_sequence, transfer_renderer)
from .api import dream_frames, transfer_frames

__all__ = [
    "DREAM_TEMPORAL", "GIF", "TEMPORAL_MODES", "TRANSFER_TEMPORAL", "VIDEO_FORMATS", "FrameJob", "FrameSink",
    "FrameSource", "Motion", "Previous", "Shard", "SourceInfo", "Stability", "TemporalConfig", "check_sink_path",
    "collect_frames", "dream_frames", "dream_renderer", "encode_video", "is_frame_folder", "natural_key",
    "open_sink", "open_source", "optical_flow", "parse_fps", "read_clip_metadata", "reliability", "render_sequence",
    "save_gif", "transfer_frames", "transfer_renderer", "warp", "warping_error", "write_clip",
]
