"""``dreamstyle dream``: DeepDream on an image, many images, a clip, or a zoom into one image.

The command is declared here without torch, so that its help and a mistake in its arguments are said at once;
:mod:`.dream_run` does the work.
"""

from __future__ import annotations

import functools
from pathlib import Path

import click

from ..backbone.choice import BackboneChoice
from ..deepdream.config import BOUNDS, COLOUR_SPACES, DEFAULT_PRESET, SMOOTHINGS, DreamConfig
from .clip_options import ClipOptions, clip_options
from .inputs import check_inputs_exist
from .messages import Command
from .options import (
    backbone_options,
    force_option,
    preset_values,
    quiet_option,
    run_options,
    seed_option,
    setting_option,
)

# An option of each DreamConfig setting, its default the default preset's.
setting = functools.partial(setting_option, preset_values(DreamConfig, "dream", DEFAULT_PRESET))

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


@click.command(cls=Command, epilog=DREAM_EXAMPLES)
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Output image (.png .jpg .webp .tif); for a clip or --zoom-frames a video (.mp4 .mov .mkv .webm), "
                   ".gif or folder; for several images a folder [default: beside the input, INPUT_dream.png, or a "
                   "clip's own kind].")
@run_options("dream", DEFAULT_PRESET, default_size="the input's")
@setting("layers", metavar="LAYER[:W],...", help="Layers to amplify, with weights.")
@setting("channels", metavar="LAYER=C,C-C;...", unset="every channel",
         help="Only these channels of a layer, e.g. relu4_2=12,47 (see dreamstyle atlas).")
@setting("octaves", type=int, help="Number of scales, smallest first.")
@setting("octave_scale", type=float, help="Size ratio between octaves (> 1).")
@setting("iterations", type=int, help="Steps per octave.")
@setting("step", type=float, help="Step size in [0, 1] pixel units.")
@setting("jitter", type=int, help="Random roll per step in px.")
@setting("smoothing", type=click.Choice(SMOOTHINGS), help="Gradient smoothing.")
@setting("bounds", type=click.Choice(BOUNDS),
         help="Near black and white: soft (pixels slow down, colours keep detail) or clamp (they are clipped).")
@setting("colour", type=click.Choice(COLOUR_SPACES),
         help="The colour space each step is taken in: rgb, or decorrelated (quieter hues, a weaker dream).")
@setting("tile", type=int, unset="automatic from free memory",
         help="Tile side in px for large images (0 never tiles).")
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
    check_inputs_exist([*inputs, guide, mask, like])
    # These import torch, which every check so far has done without.
    from ..deepdream.request import DreamRequest
    from ..deepdream.zoom import ZoomConfig
    from .dream_run import run_dream

    request_of = functools.partial(DreamRequest.of, preset=preset, like=like, size=size, seed=seed, guide=guide,
                                   mask=mask, **settings)
    zoom_config = None if zoom_frames is None else ZoomConfig(frames=zoom_frames, zoom=zoom, rotate=rotate,
                                                              colour_hold=colour_hold)
    run_dream(inputs=inputs, output=output, request_of=request_of, zoom_config=zoom_config, fps=fps,
              save_every=save_every, clip=clip, backbone=backbone, force=force, quiet=quiet)
