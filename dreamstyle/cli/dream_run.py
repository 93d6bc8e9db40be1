"""``dreamstyle dream``'s work, once its arguments are known to be good: this module imports torch."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path

import click
import torch

from ..backbone import BackboneChoice, VGGFeatures
from ..deepdream import ZoomConfig, dream_steps
from ..deepdream.engine import dream_work
from ..deepdream.request import DreamRequest
from ..deepdream.zoom import zoom_frames as dream_zoom_frames
from ..errors import count_of
from ..estimate import FramesWork
from ..imaging import check_output_path, write_image
from ..progress import ProgressBar, dream_done_and_status
from ..runs import Run
from ..video import GIF, VIDEO_FORMATS, check_sink_path, is_frame_folder, open_sink, open_source, parse_fps
from ..video.config import DEFAULT_FPS, DREAM_TEMPORAL, TemporalConfig
from ..video.temporal import later_dream_config
from .clip_options import ClipOptions
from .frames import ManyRun, render_many
from .pictures import read_input
from .progress import FrameBars, IntermediateSaver, running
from .start import announce


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
        many = ManyRun(command="dream", request=request_of(frames=source.info.count),
                       delivery=clip.delivery(output, "dream", frame_rate, force),
                       inputs=tuple(Path(p) for p in inputs),
                       temporal=clip.temporal.config(DREAM_TEMPORAL) if clip.temporal.given else None,
                       backbone=backbone, frames_work=_dream_frames_work, told_folder=clip.folder_is is not None,
                       quiet=quiet)
        render_many(many, source)
        return
    image = Path(inputs[0])
    clip.refuse_for_one_image(image)
    dream_request = request_of(still=True)
    run = dream_request.resolve()
    output = output or _default_output(image)
    inputs = [image, *dream_request.files]
    if zoom_config is None and (is_frame_folder(output) or output.suffix.lower() in (*VIDEO_FORMATS, GIF)):
        raise click.UsageError(f"{output} is an animation output; add --zoom-frames N to make one")
    picture = read_input(image, run, quiet)
    dream_request.check(run, (picture.height, picture.width))
    prepared = dream_request.prepare(backbone, run)
    # The output is checked once every setting is known to work, so a run with a
    # mistake in it says so before it says the output exists.
    if zoom_config is None:
        check_output_path(output, inputs, overwrite=force)
    else:
        check_sink_path(output, inputs, overwrite=force)
    metadata = prepared.metadata(input=image.name)
    net = prepared.net
    work = dream_work(net, picture.height, picture.width, run.config) * (zoom_config.frames if zoom_config else 1)
    announce("dream", image, output, run, picture, net, [name for name, _ in run.config.layers], work, quiet)

    if zoom_config is not None:
        zoom_frames_with = functools.partial(dream_zoom_frames, net, picture.batch(), run.config, zoom_config,
                                             seed=run.seed, guide=dream_request.guide,
                                             mask=dream_request.masks(0, (picture.height, picture.width)))
        _write_zoom(zoom_frames_with, zoom_config, output, frame_rate or DEFAULT_FPS, metadata, quiet)
    else:
        save_intermediate = IntermediateSaver(save_every, picture, output, metadata, inputs)
        total = dream_steps(net, picture.height, picture.width, run.config)
        bar = ProgressBar(quiet, total, "dream", dream_done_and_status, save_intermediate)
        with running(bar, save_intermediate, overwrite=force):
            result = prepared.still(picture.batch(), bar)
        write_image(picture.with_rgb(result), output, metadata=metadata, inputs=inputs, overwrite=force)
    if not quiet:
        click.echo(f"wrote {output}", err=True)


def _default_output(image: Path) -> Path:
    return image.with_name(f"{image.stem}_dream.png")


def _dream_frames_work(net: VGGFeatures, run: Run, temporal: TemporalConfig, height: int, width: int
                      ) -> FramesWork:
    """What a dream's frame of (H, W) costs: on its own, and starting from the previous frame."""
    return FramesWork([name for name, _ in run.config.layers], dream_work(net, height, width, run.config),
                      dream_work(net, height, width, later_dream_config(run.config, temporal)))


def _write_zoom(zoom_frames_with: Callable[..., Iterator[torch.Tensor]], zoom_config: ZoomConfig, output: Path,
                fps: Fraction, metadata: dict, quiet: bool) -> None:
    """Write a zoom's frames to ``output`` (a video, GIF or folder) as they come.

    ``zoom_frames_with(callback=...)`` yields the frames, telling the engine bar of each.
    """
    bars = FrameBars(quiet, zoom_config.frames, dream_done_and_status)
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
