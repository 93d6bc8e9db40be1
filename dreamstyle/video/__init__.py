"""Frame sequences in and out."""

from .sinks import FrameSink, check_sink_path, is_frame_folder, open_sink

__all__ = ["FrameSink", "check_sink_path", "is_frame_folder", "open_sink"]
