"""``dreamstyle dream``: DeepDream on an image, many images, a clip, or a zoom into one image."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path

import click
import torch

from ..backbone import BackboneChoice, VGGFeatures
from ..deepdream import ZoomConfig, dream_steps, dream_tensor
from ..deepdream.config import SMOOTHINGS
from ..deepdream.engine import check_config, dream_work
from ..deepdream.run import like_dream, resolve_run
from ..deepdream.zoom import zoom_frames as dream_zoom_frames
from ..errors import count_of
from ..imaging import check_output_path, read_image, write_image
from ..masks import DreamMask
from ..progress import ProgressBar, dream_done_and_status
from ..runs import Run
from ..video import GIF, VIDEO_FORMATS, check_sink_path, is_frame_folder, open_sink, open_source, parse_fps
from ..video.temporal import DREAM_TEMPORAL, FrameRenderer, TemporalConfig, dream_renderer
from .frames import DEFAULT_FPS, ClipOptions, ManyEngine, ManyRun, clip_options, render_many
from .messages import Command
from .options import backbone_options, force_option, quiet_option, run_options, seed_option
from .pictures import read_input
from .progress import FrameBars, IntermediateSaver, running
from .start import announce

DREAM_EXAMPLES = """\b
Examples:
  dreamstyle dream photo.jpg                       # -> photo_dream.png
  dreamstyle dream photo.jpg -o out.png --preset deep --size 1024 --seed 7
  dreamstyle dream photo.jpg --layers relu4_2:1,relu5_1:0.5 --channels relu4_2=12,47
  dreamstyle dream photo.jpg --guide flowers.jpg
  dreamstyle dream portrait.jpg --mask subject.png          # dream only on the subject
  dreamstyle dream photo.jpg --zoom-frames 120 --zoom 1.04 --rotate 1.5 -o zoom.mp4
  dreamstyle dream photo.jpg --like earlier_dream.png -o again.png
  dreamstyle dream clip.mp4 -o dreamed.mp4 --preset soft     # a video, frame by frame
  dreamstyle dream 'shots/*.jpg' -o out/                     # many images
  dreamstyle dream clip.mp4 -o parts/ --shard 2/8            # one of 8 machines
"""


def _default_output(image: Path) -> Path:
    return image.with_name(f"{image.stem}_dream.png")


@click.command(cls=Command, epilog=DREAM_EXAMPLES)
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Output image (.png .jpg .webp .tif); for a clip or --zoom-frames a video (.mp4 .mov .mkv .webm), "
                   ".gif or folder; for several images a folder [default: beside the input, INPUT_dream.png, or a "
                   "clip's own kind].")
@run_options("dream", default_size="the input's")
@click.option("--layers", default=None, metavar="LAYER[:W],...", help="Layers to amplify, with weights.")
@click.option("--channels", default=None, metavar="LAYER=C,C-C;...",
              help="Only these channels of a layer, e.g. relu4_2=12,47 (see dreamstyle atlas).")
@click.option("--octaves", type=int, default=None, help="Number of scales, smallest first.")
@click.option("--octave-scale", type=float, default=None, help="Size ratio between octaves (> 1).")
@click.option("--iterations", type=int, default=None, help="Steps per octave.")
@click.option("--step", type=float, default=None, help="Step size in [0, 1] pixel units.")
@click.option("--jitter", type=int, default=None, help="Random roll per step in px.")
@click.option("--smoothing", type=click.Choice(SMOOTHINGS), default=None, help="Gradient smoothing.")
@click.option("--tile", type=int, default=None,
              help="Tile side in px for large images (0 never tiles) [default: automatic from free memory].")
@click.option("--guide", type=click.Path(path_type=Path), default=None,
              help="Guide image: dream toward its features instead of amplifying everything.")
@click.option("--mask", type=click.Path(path_type=Path), default=None,
              help="Where the dream may add detail: a grayscale image of the input's shape (white: here; soft "
                   "edges fade it). For a clip, one for every frame or a folder with one per frame.")
@click.option("--zoom-frames", type=int, default=None, help="Make a zoom animation of this many frames.")
@click.option("--zoom", type=float, default=1.04, show_default=True, help="Zoom factor per frame.")
@click.option("--rotate", type=float, default=0.0, show_default=True, help="Degrees of rotation per frame.")
@click.option("--colour-hold", type=click.FloatRange(0, 1), default=1.0, show_default=True,
              help="Zooms: pull each frame's colours and contrast this far back to the first frame's "
                   "(0 lets a long zoom burn out to saturated colour).")
@click.option("--fps", default=None, metavar="RATE",
              help="Frame rate of a video or GIF, e.g. 24 or 30000/1001 [default: the clip's own; 24 for zooms "
                   "and image folders].")
@clip_options(transfer=False)
@backbone_options
@seed_option
@force_option
@quiet_option
def dream(inputs: tuple[str, ...], output: Path | None, preset: str | None, like: Path | None, size: int | None,
          guide: Path | None, mask: Path | None, zoom_frames: int | None, zoom: float, rotate: float, colour_hold: float,
          fps: str | None, save_every: int | None, clip: ClipOptions, backbone: BackboneChoice, seed: int | None,
          force: bool, quiet: bool, **settings) -> None:
    """DeepDream INPUT: amplify what VGG19's layers see in it.

    INPUT is an image, several images or a glob ('shots/*.jpg'), a folder of
    frames, an animated GIF, or a video (mp4 mov mkv webm avi).
    """
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
        engine = ManyEngine(like_dream, resolve_run, lambda run: None,
                            functools.partial(_dream_renderer, guide, masks), dream_done_and_status)
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


def _dream_renderer(guide: Path | None, masks: DreamMask, net: VGGFeatures, run: Run, temporal: TemporalConfig
                    ) -> tuple[FrameRenderer, dict]:
    """The frame renderer of a dream over many inputs, and what it adds to their metadata."""
    check_config(net, run.config)
    guide_batch = read_image(guide).batch() if guide else None
    return (dream_renderer(net, run.config, temporal, seed=run.seed, guide=guide_batch, masks=masks),
            {"guide": guide.name if guide else None, **masks.metadata()})


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
