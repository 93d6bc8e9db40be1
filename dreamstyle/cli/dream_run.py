"""``dreamstyle dream``'s work, once its arguments are known to be good: this module imports torch."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path

import click
import torch

from ..backbone import BackboneChoice, VGGFeatures
from ..deepdream import ZoomConfig, dream_steps, dream_tensor
from ..deepdream.engine import check_config, dream_work
from ..deepdream.run import like_dream, resolve_run
from ..deepdream.zoom import zoom_frames as dream_zoom_frames
from ..errors import count_of
from ..estimate import FramesWork
from ..imaging import check_output_path, read_image, write_image
from ..masks import DreamMask
from ..progress import ProgressBar, dream_done_and_status
from ..runs import Run
from ..video import GIF, VIDEO_FORMATS, check_sink_path, is_frame_folder, open_sink, open_source, parse_fps
from ..video.config import DREAM_TEMPORAL, TemporalConfig
from ..video.temporal import FrameRenderer, dream_renderer, later_dream_config
from .clip_options import DEFAULT_FPS, ClipOptions
from .frames import ManyEngine, ManyRun, render_many
from .pictures import read_input
from .progress import FrameBars, IntermediateSaver, running
from .start import announce


def run_dream(*, inputs: tuple[str, ...], output: Path | None, preset: str | None, like: Path | None,
              size: int | None, guide: Path | None, mask: Path | None, zoom_frames: int | None, zoom: float,
              rotate: float, colour_hold: float, fps: str | None, save_every: int | None, clip: ClipOptions,
              backbone: BackboneChoice, seed: int | None, force: bool, quiet: bool, **settings) -> None:
    """Dream as ``dreamstyle dream`` was asked to (see :func:`dreamstyle.cli.dream.dream`)."""
    frame_rate = None if fps is None else parse_fps(fps)
    source = open_source(inputs, frame_rate, clip.folder_is)
    if source is not None:
        if zoom_frames is not None:
            raise click.UsageError("--zoom-frames animates one still image; give a single image")
        if save_every is not None:
            raise click.UsageError("--save-every applies to one image; clips keep every finished frame anyway")
        masks = DreamMask(mask, source.info.count)
        many = ManyRun("dream", "dream", tuple(Path(p) for p in inputs) + ((guide,) if guide else ())
                       + tuple(masks.files()), output, preset, like, size, seed, settings,
                       clip.temporal.config(DREAM_TEMPORAL), clip, frame_rate, backbone, force, quiet)
        engine = ManyEngine(like=like_dream, resolve=resolve_run, check=lambda run: None,
                            renderer=functools.partial(_dream_renderer, guide, masks),
                            done_and_status=dream_done_and_status, frames_work=_dream_frames_work)
        render_many(many, source, engine)
        return
    image = Path(inputs[0])
    clip.refuse_for_one_image(image)
    previous = like_dream(like)
    run = resolve_run(preset, previous, size, seed, **settings)
    zoom_config = ZoomConfig(zoom_frames, zoom, rotate, colour_hold) if zoom_frames is not None else None
    output = output or _default_output(image)
    masks = DreamMask(mask, still=True)
    inputs = [image] + ([guide] if guide else []) + ([like] if like else []) + masks.files()
    if zoom_config is None and (is_frame_folder(output) or output.suffix.lower() in (*VIDEO_FORMATS, GIF)):
        raise click.UsageError(f"{output} is an animation output; add --zoom-frames N to make one")
    picture = read_input(image, run, quiet)
    guide_batch = read_image(guide).batch() if guide else None
    net = backbone.load(previous)
    check_config(net, run.config)
    # The output is checked once every setting is known to work, so a run with a
    # mistake in it says so before it says the output exists.
    if zoom_config is None:
        check_output_path(output, inputs, overwrite=force)
    else:
        check_sink_path(output, inputs, overwrite=force)
    frame_mask = masks(0, (picture.height, picture.width))
    metadata = run.metadata(net, input=image.name, guide=guide.name if guide else None, **masks.metadata())
    work = dream_work(net, picture.height, picture.width, run.config) * (zoom_frames or 1)
    announce("dream", image, output, run, picture, net, [name for name, _ in run.config.layers], work, quiet)

    if zoom_config is not None:
        zoom_frames_with = functools.partial(dream_zoom_frames, net, picture.batch(), run.config, zoom_config,
                                             seed=run.seed, guide=guide_batch, mask=frame_mask)
        _write_zoom(zoom_frames_with, zoom_config, output, frame_rate or DEFAULT_FPS, metadata, quiet)
    else:
        save_intermediate = IntermediateSaver(save_every, picture, output, metadata, inputs)
        total = dream_steps(net, picture.height, picture.width, run.config)
        bar = ProgressBar(quiet, total, "dream", dream_done_and_status, save_intermediate)
        with running(bar, save_intermediate, overwrite=force):
            result = dream_tensor(net, picture.batch(), run.config, seed=run.seed, guide=guide_batch, callback=bar,
                                  mask=frame_mask)
        write_image(picture.with_rgb(result), output, metadata=metadata, inputs=inputs, overwrite=force)
    if not quiet:
        click.echo(f"wrote {output}", err=True)


def _default_output(image: Path) -> Path:
    return image.with_name(f"{image.stem}_dream.png")


def _dream_renderer(guide: Path | None, masks: DreamMask, net: VGGFeatures, run: Run, temporal: TemporalConfig
                    ) -> tuple[FrameRenderer, dict]:
    """The frame renderer of a dream over many inputs, and what it adds to their metadata."""
    check_config(net, run.config)
    guide_batch = read_image(guide).batch() if guide else None
    return (dream_renderer(net, run.config, temporal, seed=run.seed, guide=guide_batch, masks=masks),
            {"guide": guide.name if guide else None, **masks.metadata()})


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
