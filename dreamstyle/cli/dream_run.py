"""``dreamstyle dream``'s work, once its arguments are known to be good: this module imports torch."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path

import click
import torch

from ..backbone import BackboneChoice
from ..deepdream import ZoomConfig
from ..deepdream.request import DreamRequest
from ..deepdream.zoom import zoom_frames as dream_zoom_frames
from ..errors import count_of
from ..imaging import check_output_path
from ..video import GIF, VIDEO_FORMATS, check_sink_path, is_frame_folder, open_sink, open_source, parse_fps
from ..video.config import DEFAULT_FPS, DREAM_TEMPORAL
from .clip_options import ClipOptions
from .frames import ManyRun, render_many
from .progress import FrameBars
from .still import StillRun


def run_dream(*, inputs: tuple[str, ...], output: Path | None, request_of: Callable[..., DreamRequest],
              zoom_config: ZoomConfig | None, fps: str | None, save_every: int | None, clip: ClipOptions,
              backbone: BackboneChoice, force: bool, quiet: bool) -> None:
    """Dream as ``dreamstyle dream`` was asked to (see :func:`dreamstyle.cli.dream.dream`).

    ``request_of(frames=..., still=...)``: the run as asked for, for a clip of so many frames or a still.
    """
    frame_rate = None if fps is None else parse_fps(fps)
    source = open_source(inputs, frame_rate, clip.folder_is)
    if source is not None:
        if zoom_config is not None:
            raise click.UsageError("--zoom-frames animates one still image; give a single image")
        if save_every is not None:
            raise click.UsageError("--save-every applies to one image; clips keep every finished frame anyway")
        many = ManyRun(request=request_of(frames=source.info.count),
                       delivery=clip.delivery(output, "dream", frame_rate, force),
                       inputs=tuple(Path(p) for p in inputs),
                       temporal=clip.temporal.config(DREAM_TEMPORAL) if clip.temporal.given else None,
                       backbone=backbone, told_folder=clip.folder_is is not None, quiet=quiet)
        render_many(many, source)
        return
    image = Path(inputs[0])
    clip.refuse_for_one_image(image)
    output = output or _default_output(image)
    if zoom_config is None and (is_frame_folder(output) or output.suffix.lower() in (*VIDEO_FORMATS, GIF)):
        raise click.UsageError(f"{output} is an animation output; add --zoom-frames N to make one")
    dream_request = request_of(still=True)
    still = StillRun.of(dream_request, image, backbone, quiet)
    # The output is checked once every setting is known to work, so a run with a
    # mistake in it says so before it says the output exists.
    if zoom_config is None:
        check_output_path(output, still.inputs, overwrite=force)
        still.render(output, save_every, force, quiet)
        return
    check_sink_path(output, still.inputs, overwrite=force)
    still.announce(output, still.cost.times(zoom_config.frames), quiet)
    prepared, picture = still.prepared, still.picture
    zoom_frames_with = functools.partial(dream_zoom_frames, prepared.net, picture.batch(), prepared.run.config,
                                         zoom_config, seed=prepared.run.seed, guide=dream_request.guide,
                                         mask=dream_request.masks(0, (picture.height, picture.width)))
    _write_zoom(zoom_frames_with, zoom_config, output, frame_rate or DEFAULT_FPS, still.metadata(), quiet)
    if not quiet:
        click.echo(f"wrote {output}", err=True)


def _default_output(image: Path) -> Path:
    return image.with_name(f"{image.stem}_dream.png")


def _write_zoom(zoom_frames_with: Callable[..., Iterator[torch.Tensor]], zoom_config: ZoomConfig, output: Path,
                fps: Fraction, metadata: dict, quiet: bool) -> None:
    """Write a zoom's frames to ``output`` (a video, GIF or folder) as they come.

    ``zoom_frames_with(callback=...)`` yields the frames, telling the engine bar of each.
    """
    bars = FrameBars(quiet, zoom_config.frames)
    metadata = {**metadata, "zoom": zoom_config.zoom, "rotate": zoom_config.rotate,
                "colour_hold": zoom_config.colour_hold}
    with open_sink(output, fps, metadata=metadata) as sink:
        try:
            for frame in zoom_frames_with(callback=lambda index: bars.engine_bar(f"frame {index}")):
                sink.write(frame)
                bars.picture_done()
        except KeyboardInterrupt as interrupt:
            if sink.frames_written:
                interrupt.add_note(f"kept the {count_of(sink.frames_written, 'frame')} made so far in {output}")
            raise
        finally:
            bars.close()
