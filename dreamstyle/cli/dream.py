"""``dreamstyle dream``, ``dreamstyle atlas`` and ``dreamstyle presets``."""

from __future__ import annotations

import functools
from pathlib import Path

import click

from ..backbone import load_backbone
from ..deepdream import DreamProgress, ZoomConfig, dream_tensor, octave_sizes
from ..deepdream import atlas as atlas_sheet, filters as filter_sheet
from ..deepdream.atlas import atlas_config, atlas_steps
from ..deepdream.config import SMOOTHINGS, parse_channels
from ..deepdream.objectives import check_channels
from ..deepdream.engine import check_config
from ..deepdream.run import like_dream, resolve_run
from ..runs import load_run_backbone
from ..deepdream.zoom import zoom_frames as dream_zoom_frames
from ..imaging import check_output_path, picture_from_pil, read_image, write_image
from ..presets import KINDS, builtin_presets
from ..video import GIF, VIDEO_FORMATS, check_sink_path, is_frame_folder, open_sink, open_source, parse_fps
from ..video.job import Shard
from ..video.temporal import DREAM_TEMPORAL, dream_renderer
from .frames import (DEFAULT_FPS, ManyRun, TemporalChoice, check_many, plan_output, refuse_clip_flags,
                     resume_seed, run_many, sequence_options)
from .options import (backbone_options, force_option, quiet_option, resolve_from_options, run_options, runtime_options,
                      seed_option)
from .progress import (IntermediateSaver, ProgressBar, Status, describe_dream, dream_status, dream_steps,
                       running)

DREAM_EXAMPLES = """\b
Examples:
  dreamstyle dream photo.jpg                       # -> photo_dream.png
  dreamstyle dream photo.jpg -o out.png --preset deep --size 1024 --seed 7
  dreamstyle dream photo.jpg --layers relu4_2:1,relu5_1:0.5 --channels relu4_2=12,47
  dreamstyle dream photo.jpg --guide flowers.jpg
  dreamstyle dream photo.jpg --zoom-frames 120 --zoom 1.04 --rotate 1.5 -o zoom.mp4
  dreamstyle dream photo.jpg --like earlier_dream.png -o again.png
  dreamstyle dream clip.mp4 -o dreamed.mp4 --preset soft     # a video, frame by frame
  dreamstyle dream 'shots/*.jpg' -o out/                     # many images
  dreamstyle dream clip.mp4 -o parts/ --shard 2/8            # one of 8 machines
"""


def _default_output(image: Path) -> Path:
    return image.with_name(f"{image.stem}_dream.png")


@click.command(epilog=DREAM_EXAMPLES)
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Output image (.png .jpg .webp .tif); for a clip or --zoom-frames a video (.mp4 .mov .mkv .webm), "
                   ".gif or folder; for several images a folder [default: beside the input, INPUT_dream.EXT].")
@run_options("dream")
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
@click.option("--zoom-frames", type=int, default=None, help="Make a zoom animation of this many frames.")
@click.option("--zoom", type=float, default=1.04, show_default=True, help="Zoom factor per frame.")
@click.option("--rotate", type=float, default=0.0, show_default=True, help="Degrees of rotation per frame.")
@click.option("--fps", default=None, metavar="RATE",
              help="Frame rate of a video or GIF, e.g. 24 or 30000/1001 [default: the clip's own; 24 for zooms "
                   "and image folders].")
@sequence_options(transfer=False)
@backbone_options
@seed_option
@force_option
@quiet_option
def dream(inputs: tuple[str, ...], output: Path | None, preset: str | None, like: Path | None, size: int | None,
          guide: Path | None, zoom_frames: int | None, zoom: float, rotate: float, fps: str | None,
          save_every: int | None, temporal: str | None, blend: float | None, frame_iterations: int | None,
          shard: str | None, report: bool, keep_frames: bool, weights: str | None, weights_format: str | None,
          pooling: str | None, device: str, precision: str, seed: int | None, force: bool, quiet: bool,
          **settings) -> None:
    """DeepDream INPUT: amplify what VGG19's layers see in it.

    INPUT is an image, several images or a glob ('shots/*.jpg'), a folder of
    frames, an animated GIF, or a video (mp4 mov mkv webm avi).
    """
    frame_rate = None if fps is None else parse_fps(fps)
    source = open_source(inputs, frame_rate)
    if source is not None:
        if zoom_frames is not None:
            raise click.UsageError("--zoom-frames animates one still image; give a single image")
        _dream_many(source, inputs, output, preset, like, size, guide, frame_rate, save_every,
                    TemporalChoice(temporal, blend, frame_iterations, None), Shard.parse(shard), report, keep_frames,
                    dict(weights=weights, pooling=pooling, device=device, precision=precision,
                         weights_format=weights_format), seed, force, quiet, settings)
        return
    image = Path(inputs[0])
    refuse_clip_flags(TemporalChoice(temporal, blend, frame_iterations, None), shard, report, keep_frames, image)
    previous = like_dream(like)
    run = resolve_from_options(resolve_run, preset, previous, size, seed, settings)
    zoom_config = ZoomConfig(zoom_frames, zoom, rotate) if zoom_frames is not None else None
    output = output or _default_output(image)
    inputs = [image] + ([guide] if guide else []) + ([like] if like else [])
    if zoom_config is None:
        if is_frame_folder(output) or output.suffix.lower() in (*VIDEO_FORMATS, GIF):
            raise click.UsageError(f"{output} is an animation output; add --zoom-frames N to make one")
        check_output_path(output, inputs, overwrite=force)
    else:
        check_sink_path(output, inputs, overwrite=force)
    picture = read_image(image, run.size)
    guide_batch = read_image(guide).batch() if guide else None
    net = load_run_backbone(previous, weights, pooling, device, precision, weights_format)
    check_config(net, run.config)
    metadata = run.metadata(net, input=image.name, guide=guide.name if guide else None)
    if not quiet:
        click.echo(f"dream: {image} -> {output}  preset {run.preset}  seed {run.seed}  "
                   f"{picture.width}x{picture.height}  {net.device} {net.precision}", err=True)

    if zoom_config is not None:
        _zoom(net, picture, run, zoom_config, guide_batch, output, frame_rate or DEFAULT_FPS, metadata, quiet)
    else:
        save_intermediate = IntermediateSaver(save_every, picture, output, metadata, inputs)
        layers = [name for name, _ in run.config.layers]
        octaves = octave_sizes(picture.height, picture.width, run.config.octaves, run.config.octave_scale,
                               net.min_input_size(layers))
        bar = ProgressBar(quiet, len(octaves) * run.config.iterations, "dream", describe_dream, save_intermediate)
        with running(bar, save_intermediate, overwrite=force):
            result = dream_tensor(net, picture.batch(), run.config, seed=run.seed, guide=guide_batch, callback=bar)
        write_image(picture.with_rgb(result), output, metadata=metadata, inputs=inputs, overwrite=force)
    if not quiet:
        click.echo(f"wrote {output}", err=True)


def _dream_many(source, inputs, output, preset, like, size, guide, frame_rate, save_every, choice: TemporalChoice,
                shard: Shard, report: bool, keep_frames: bool, backbone: dict, seed, force, quiet, settings) -> None:
    """Several images, a folder of frames, a GIF or a video."""
    if save_every is not None:
        raise click.UsageError("--save-every applies to one image; clips keep every finished frame anyway")
    output = plan_output(source, output, list(inputs), "dream")
    seed = resume_seed(source, output, "dream", seed, force)
    previous = like_dream(like)
    run = resolve_from_options(resolve_run, preset, previous, size, seed, settings)
    temporal = choice.config(DREAM_TEMPORAL)
    many = ManyRun("dream", "dream", temporal, choice.given, shard, frame_rate, report, keep_frames, force, quiet)
    check_many(many, source, output, [Path(p) for p in inputs] + ([guide] if guide else []))
    guide_batch = read_image(guide).batch() if guide else None
    weights_format = backbone.pop("weights_format")
    net = load_run_backbone(previous, **backbone, weights_format=weights_format)
    check_config(net, run.config)
    metadata = run.metadata(net, guide=guide.name if guide else None)
    if not quiet:
        click.echo(f"dream: {source.info.name} -> {output or 'beside each input'}  preset {run.preset}  "
                   f"seed {run.seed}  {net.device} {net.precision}", err=True)
    renderer = dream_renderer(net, run.config, temporal, seed=run.seed, guide=guide_batch)
    run_many(many, source, output, run, renderer, metadata, describe_dream, dream_steps)


def _zoom(net, picture, run, zoom_config: ZoomConfig, guide_batch, output: Path, fps, metadata: dict,
          quiet: bool) -> None:
    frames_bar = None if quiet else click.progressbar(length=zoom_config.frames, label="frames", file=None)
    with open_sink(output, fps, metadata={**metadata, "zoom": zoom_config.zoom, "rotate": zoom_config.rotate}) as sink:
        frames = dream_zoom_frames(net, picture.batch(), run.config, zoom_config, seed=run.seed, guide=guide_batch)
        for frame in frames:
            sink.write(frame)
            if frames_bar is not None:
                frames_bar.update(1)
    if frames_bar is not None:
        frames_bar.render_finish()


@click.command()
@click.option("--layer", default=None, help="Layer whose channels to show, e.g. relu4_2.")
@click.option("--channels", default="0-15", show_default=True, help="Channels, e.g. 0-63 or 3,17,40-47.")
@click.option("--filters", "filters_layer", default=None, metavar="conv1_1",
              help="Instead: show this first layer's 3x3 kernels as colour patches.")
@click.option("--from", "start", type=click.Path(path_type=Path), default=None,
              help="Grow each tile from this image instead of noise.")
@click.option("--size", type=click.IntRange(min=32), default=128, show_default=True, help="Tile side in px.")
@click.option("--iterations", type=click.IntRange(min=1), default=None, help="Steps per octave [default: 12].")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Output image [default: atlas_LAYER.png].")
@runtime_options
@seed_option
@force_option
@quiet_option
def atlas(layer: str | None, channels: str, filters_layer: str | None, start: Path | None, size: int,
          iterations: int | None, output: Path | None, device: str, precision: str, seed: int | None,
          force: bool, quiet: bool) -> None:
    """Draw what each channel of a layer responds to, as a labelled contact sheet.

    Each tile is a small dream grown (from noise, or --from an image) to excite
    one channel alone. Pick the channels you like for `dream --channels`.
    """
    if (layer is None) == (filters_layer is None):
        raise click.UsageError("give either --layer LAYER or --filters conv1_1")
    name = layer or filters_layer
    output = output or Path(f"atlas_{name}.png")
    check_output_path(output, [start] if start else [], overwrite=force)
    if filters_layer:
        sheet = filter_sheet(filters_layer, net=load_backbone(device=device, precision="fp32"))
        metadata = {"command": "atlas", "filters": filters_layer}
    else:
        net = load_backbone(device=device, precision=precision)
        start_picture = read_image(start) if start else None
        settings = {} if iterations is None else {"iterations": iterations}
        chosen = parse_channels(f"{layer}={channels}")[0][1]
        check_channels(net, ((layer, chosen),))
        total = atlas_steps(net, atlas_config(layer, **settings), len(chosen), size)
        bar = ProgressBar(quiet, total, f"atlas {layer}", _describe_atlas_step())
        chosen_seed = seed if seed is not None else 0
        try:
            sheet = atlas_sheet(layer, chosen, size=size, seed=chosen_seed, start=start_picture, net=net,
                                callback=bar, **settings)
        finally:
            bar.close()
        metadata = {"command": "atlas", "layer": layer, "channels": channels, "size": size, "seed": chosen_seed,
                    "from": start.name if start else None, "weights": net.weights, **settings}
    write_image(picture_from_pil(sheet), output, metadata=metadata, overwrite=force)
    if not quiet:
        click.echo(f"wrote {output}", err=True)


def _describe_atlas_step():
    """Atlas steps come in batches of channels, each a full dream: count them one by one."""
    steps = 0

    def describe(progress: DreamProgress) -> tuple[int, Status]:
        nonlocal steps
        steps += 1
        return steps, functools.partial(dream_status, progress)

    return describe


@click.command()
def presets() -> None:
    """List the built-in presets with their descriptions (use with --preset NAME)."""
    for kind in KINDS:
        found = builtin_presets(kind)
        if not found:
            continue
        click.echo(f"{kind} presets:")
        for preset in found:
            click.echo(f"  {preset.name:<12}{preset.description}")
    click.echo("\nYour own: --preset path/to/mine.toml (a description line plus any of the command's settings).")
