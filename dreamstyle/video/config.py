"""What a clip run may be told: how frames build on each other, what a folder holds, which part to render.

Settings only, without torch, like the engines' config modules: the command
line declares its clip options from them before it imports torch.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

from ..errors import InvalidArgumentError, Setting
from ..validation import check_scalar_types, require

# An input name with one of these is a pattern of names ('shots/*.jpg'), not one file.
GLOB_CHARACTERS = "*?["
# A folder given as the input holds one clip, or a batch of separate photos (see video.sources.open_source).
FOLDER_KINDS = ("clip", "batch")

TEMPORAL_MODES = ("none", "blend", "flow")
# A clip's frame rate when neither its input nor its maker names one.
DEFAULT_FPS = Fraction(24)


@dataclass(frozen=True)
class TemporalConfig:
    """How each frame of a sequence builds on the previous one.

    Attributes:
        mode: ``"none"``, ``"blend"`` or ``"flow"`` (see the module docstring).
        blend: share of the previous frame's result carried into the new
            frame's start, in [0, 1]. For dream it is the added detail that is
            carried; below 1 it fades, so detail cannot pile up frame after frame.
        frame_iterations: iterations for every frame after the first (dream:
            per octave; transfer: at the output size, the first frame getting
            the full coarse-to-fine schedule).
        temporal_weight: transfer, ``flow`` mode: weight of the temporal loss
            that keeps reliable pixels close to the warped previous result.
    """

    mode: str = "flow"
    blend: float = 1.0
    frame_iterations: int = 40
    temporal_weight: float = 0.0

    def __post_init__(self) -> None:
        check_scalar_types(self)
        require([
            (self.mode in TEMPORAL_MODES, "temporal", f"must be one of {', '.join(TEMPORAL_MODES)}, got {self.mode!r}"),
            (0 <= self.blend <= 1, "blend", f"must be between 0 and 1, got {self.blend}"),
            (self.frame_iterations >= 1, "frame_iterations", f"must be at least 1, got {self.frame_iterations}"),
            (self.temporal_weight >= 0, "temporal_weight", f"must not be negative, got {self.temporal_weight}"),
        ])

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def updated(self, **values: Any) -> "TemporalConfig":
        """A copy with the non-None ``values`` replaced."""
        return replace(self, **{key: value for key, value in values.items() if value is not None})


# Dream: carrying 0.8 of the detail and adding one step per octave settles at
# about the detail of a still with the lowest warping error of the mixes tried
# (benchmarks/RESULTS.md, "Where the constants come from").
DREAM_TEMPORAL = TemporalConfig(mode="flow", blend=0.8, frame_iterations=1)
TRANSFER_TEMPORAL = TemporalConfig(mode="flow", blend=1.0, frame_iterations=40, temporal_weight=20.0)


@dataclass(frozen=True)
class Shard:
    """The ``index``-th (1-based) of ``count`` contiguous chunks of a clip."""

    index: int = 1
    count: int = 1

    @classmethod
    def parse(cls, text: str | None) -> "Shard":
        """``"2/8"`` -> Shard(2, 8); None -> the whole clip."""
        if text is None:
            return cls()
        match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", str(text))
        if not match or not 1 <= int(match.group(1)) <= int(match.group(2)):
            raise InvalidArgumentError(Setting("shard"), f" {text!r}: write K/N with 1 <= K <= N, e.g. 2/8")
        return cls(int(match.group(1)), int(match.group(2)))

    @property
    def whole(self) -> bool:
        return self.count == 1

    def span(self, frames: int) -> tuple[int, int]:
        """(first, stop) frame indices of this chunk; chunks differ in length by at most one frame."""
        return (self.index - 1) * frames // self.count, self.index * frames // self.count


@dataclass(frozen=True)
class Delivery:
    """Where a batch's or a clip's results go, and how.

    Attributes:
        output: a video, GIF or frames folder for a clip, a folder for a batch; None: the default, named after
            the first input with ``tag`` (a batch then goes beside its inputs).
        tag: added to input names for default outputs (``dream``, or the style names).
        shard: which part of the clip or batch to render.
        overwrite: start over instead of continuing (or refusing) what an earlier run left.
        fps: a clip's frame rate, None for the source's.
        keep_frames: keep a video's or GIF's frames folder once it is encoded.
        report: measure the clip's warping error once it is done.
        notes: added to every output's metadata (the studio's names for the files a result came from).
    """

    output: Path | None = None
    tag: str = "dream"
    shard: Shard = Shard()
    overwrite: bool = False
    fps: Fraction | None = None
    keep_frames: bool = False
    report: bool = False
    notes: Mapping[str, Any] = field(default_factory=dict)
