"""The options of clips and batches, shared by ``dream`` and ``transfer``, as the command line gives them.

Declared without torch (see :mod:`dreamstyle.lazy`); :mod:`.frames` renders what they ask for.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import click

from ..video.config import (
    DREAM_TEMPORAL,
    FOLDER_KINDS,
    TEMPORAL_MODES,
    TRANSFER_TEMPORAL,
    Delivery,
    Shard,
    TemporalConfig,
)
from .options import stack


def clip_options(transfer: bool):
    """The options of clips and batches, shared by ``dream`` and ``transfer``, given to the command as
    one ``clip`` argument (a :class:`ClipOptions`)."""
    defaults = TRANSFER_TEMPORAL if transfer else DREAM_TEMPORAL
    per = "" if transfer else " per octave"
    options = [
        click.option("--temporal", type=click.Choice(TEMPORAL_MODES), default=None,
                     help="Clips: how each frame builds on the last (flow warps it along the optical flow) "
                          f"[default: {defaults.mode}]."),
        click.option("--blend", type=click.FloatRange(0, 1), default=None,
                     help=f"Clips: share of the previous frame's result carried into the next [default: "
                          f"{defaults.blend:g}]."),
        click.option("--frame-iterations", type=click.IntRange(min=1), default=None,
                     help=f"Clips: iterations for every frame after the first [default: {defaults.frame_iterations}"
                          f"{per}]."),
        click.option("--shard", default=None, metavar="K/N",
                     help="Render only the K-th of N equal parts (frames to a folder; join with dreamstyle assemble)."),
        click.option("--report", is_flag=True, help="Clips: print the warping error E_warp of the result and the input."),
        click.option("--keep-frames", is_flag=True, help="Clips: keep the frames folder after the video is written."),
        click.option("--folder-is", type=click.Choice(FOLDER_KINDS), default=None,
                     help="What a folder INPUT holds: one clip, or a batch of separate photos [default: a clip when "
                          "its images are one size and named as numbered frames, else a batch]."),
    ]
    if transfer:
        options.append(click.option("--temporal-weight", type=click.FloatRange(min=0), default=None,
                                    help="Clips: weight of the loss keeping each frame close to the last, warped "
                                         f"[default: {defaults.temporal_weight:g}]."))

    def given_as_one(command: Callable) -> Callable:
        @functools.wraps(command)
        def with_clip(*args, **given):
            choice = TemporalChoice(mode=given.pop("temporal"), blend=given.pop("blend"),
                                    frame_iterations=given.pop("frame_iterations"),
                                    temporal_weight=given.pop("temporal_weight", None))
            shard = given.pop("shard")
            clip = ClipOptions(temporal=choice, shard=None if shard is None else Shard.parse(shard),
                               report=given.pop("report"), keep_frames=given.pop("keep_frames"),
                               folder_is=given.pop("folder_is"))
            return command(*args, clip=clip, **given)

        return stack(*options)(with_clip)

    return given_as_one


@dataclass(frozen=True)
class TemporalChoice:
    """The clip flags as given on the command line (None: not given)."""

    mode: str | None
    blend: float | None
    frame_iterations: int | None
    temporal_weight: float | None

    @property
    def given(self) -> bool:
        return any(value is not None for value in (self.mode, self.blend, self.frame_iterations, self.temporal_weight))

    def config(self, defaults: TemporalConfig) -> TemporalConfig:
        """The command's defaults with the given flags applied."""
        return defaults.updated(mode=self.mode, blend=self.blend, frame_iterations=self.frame_iterations,
                                temporal_weight=self.temporal_weight)


@dataclass(frozen=True)
class ClipOptions:
    """The options that apply to clips and batches only, as given.

    Attributes:
        temporal: how frames build on each other.
        shard: the part to render, or None when not given (the whole clip).
        report: print the warping error afterwards.
        keep_frames: keep a video's frames folder.
        folder_is: what a folder input holds (``"clip"`` or ``"batch"``), or None to tell from its files.
    """

    temporal: TemporalChoice
    shard: Shard | None
    report: bool
    keep_frames: bool
    folder_is: str | None = None

    def delivery(self, output: Path | None, tag: str, fps: Fraction | None, force: bool) -> Delivery:
        """Where and how a clip's or a batch's results go."""
        return Delivery(output=output, tag=tag, shard=self.shard or Shard(), overwrite=force, fps=fps,
                        keep_frames=self.keep_frames, report=self.report)

    def refuse_for_one_image(self, image: Path) -> None:
        """Refuse these flags on one still image, where they would silently do nothing."""
        flags = (("--temporal/--blend/--frame-iterations/--temporal-weight", self.temporal.given),
                 ("--shard", self.shard is not None), ("--report", self.report), ("--keep-frames", self.keep_frames),
                 ("--folder-is", self.folder_is is not None))
        given = [flag for flag, used in flags if used]
        if given:
            raise click.UsageError(f"{', '.join(given)} apply to clips (a video, a GIF or a folder of frames), "
                                   f"and {image} is one image")
