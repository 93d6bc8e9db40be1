"""``dreamstyle transfer``: paint a photo in the style of one or more images.

The command is declared here without torch, so that its help and a mistake in its arguments are said at once;
:mod:`.transfer_run` does the work.
"""

from __future__ import annotations

import functools
from pathlib import Path

import click

from ..backbone.choice import BackboneChoice
from ..styles import BUILTIN_PREFIX, COLOR_MODES
from ..styletransfer.config import BOUNDS, DEFAULT_PRESET, DEFAULT_SIZE, OPTIMIZERS, STYLE_LOSSES, TransferConfig
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

# An option of each TransferConfig setting, its default the default preset's (the photo preset named where it
# turns a setting on).
setting = functools.partial(setting_option, preset_values(TransferConfig, "transfer", DEFAULT_PRESET))
PHOTO = preset_values(TransferConfig, "transfer", "photo")

TRANSFER_EXAMPLES = """\b
Examples:
  dreamstyle transfer content.jpg style.jpg                 # -> content_style.png
  dreamstyle transfer content.jpg a.jpg b.jpg --style-blend 0.7,0.3 --size 1024 -o out.png
  dreamstyle transfer content.jpg style.jpg --preserve-colors luminance --preset painterly
  dreamstyle transfer city.jpg starry.jpg scream.jpg --masks sky.png,ground.png   # a style per region
  dreamstyle transfer photo.jpg evening.jpg --preset photo   # stays a photograph, in the other's light
  dreamstyle transfer content.jpg style.jpg --preset instant      # one pass: about a second on a CPU
  dreamstyle transfer content.jpg builtin:7 --preset instant      # one of its 26 styles (dreamstyle styles)
  dreamstyle transfer content.jpg style.jpg --like content_style.png --size 1024 -o big.png
  dreamstyle transfer clip.mov starry.jpg -o styled.mp4 --size 720   # a video, frame by frame
  dreamstyle transfer frames/ starry.jpg -o styled_frames/            # folder in, folder out
  dreamstyle transfer clip.mp4 starry.jpg -o parts/ --shard 2/8       # one of 8 machines
"""


@click.command(cls=Command, epilog=TRANSFER_EXAMPLES)
@click.argument("content")
@click.argument("styles", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Output image (.png .jpg .webp .tif); for a clip a video (.mp4 .mov .mkv .webm), .gif or folder; "
                   "for several images a folder "
                   "[default: beside the content, CONTENT_STYLE.png, or a clip's own kind].")
@run_options("transfer", DEFAULT_PRESET, default_size=f"the input's, at most {DEFAULT_SIZE}")
@setting("content_weight", type=float, help="Weight of the content loss.")
@setting("style_weight", type=float, help="Weight of the style loss.")
@setting("tv_weight", type=float, help="Weight of the total-variation (smoothness) loss.")
@setting("content_layers", metavar="LAYER[:W],...", help="Content layers.")
@setting("style_layers", metavar="LAYER[:W],...", help="Style layers.")
@setting("style_blend", metavar="W,W,...", unset="equal", help="One weight per style image.")
@setting("style_scale", type=float,
         help="Style images are seen at this times the output's size (bigger = larger motifs).")
@setting("style_loss", type=click.Choice(STYLE_LOSSES),
         help="The style statistic: gram (Gatys et al.'s Gram matrices) or sliced-wasserstein (the whole "
              "distribution of features, along random directions from the seed).")
@click.option("--masks", "masks", default=None, metavar="MASK,MASK,...",
              help="One mask per style, in order: a grayscale image of the content's shape saying where that style "
                   "lands (white: here; soft edges blend styles). Where no mask reaches, the photo stays. For a "
                   "clip, each may be a folder with one mask per frame.")
@click.option("--style-masks", default=None, metavar="MASK,MASK,...",
              help="One mask per style image (empty for all of it), saying which part of it the style comes "
                   "from, e.g. ',sky_part.png'.")
@setting("preserve_colors", type=click.Choice(COLOR_MODES),
         help="luminance: keep the photo's colours exactly; match: recolour the style to the photo first.")
@setting("init", metavar="content|noise|style|recoloured|instant|FILE",
         help="Start image; recoloured: the content in the styles' colours; instant: the instant preset's picture.")
@setting("instant_strength", type=click.FloatRange(0, 1),
         help="The instant preset (and --init instant): how far from the photo's own style toward the styles, 0-1.")
@setting("matting_weight", type=float,
         help="Weight of the photorealism term (Luan et al.: the content's matting Laplacian as a penalty): keeps "
              f"the photo's edges and structure, so the style changes colours, not shapes (the photo preset: "
              f"{PHOTO['matting_weight']:g}; 0: off)")
@setting("guided_filter", type=int, metavar="RADIUS",
         help="After the run, a guided filter with the content as guide, of this radius in px at a 512 px output "
              f"(scaled with the size): the result's colours on the photo's edges (the photo preset: "
              f"{PHOTO['guided_filter']}; 0: off)")
@setting("optimizer", type=click.Choice(OPTIMIZERS), help="Optimiser.")
@setting("learning_rate", type=float, help="Adam's step in [0, 1] pixel units.")
@setting("bounds", type=click.Choice(BOUNDS),
         help="How L-BFGS keeps pixels in [0, 1]: soft (a penalty outside the range; converges further) or clamp "
              "(clip into range every 10 iterations).")
@setting("scales", type=int, help="Number of sizes, coarse to fine.")
@setting("start_size", type=int, help="Longest side of the first scale.")
@setting("iterations", type=int,
         help="Optimiser iterations of a single scale; of several, the coarser run --coarse-iterations-factor and "
              "the last --final-iterations-factor times this.")
@setting("coarse_iterations_factor", type=float, help="Each scale before the last runs this times --iterations.")
@setting("final_iterations_factor", type=float,
         help="The last of several scales (the output size) runs this times --iterations.")
@setting("coarse_content_boost", type=float,
         help="Content weight times this at the first scale, falling to 1x at the output size (keeps the photo's "
              "layout).")
@setting("content_detail", type=float,
         help="Add back this much of the photo's fine detail, which an upsampled scale lacks, at the start of each "
              "finer scale, 0-1.")
@setting("content_mix", type=float, help="Blend this much of the photo itself into the start of each finer scale, 0-1.")
@setting("tile", type=int, unset="automatic from free memory",
         help="Tile side in px for images too large for memory (0 never tiles; the style statistics stay global, "
              "so no seams).")
@click.option("--fps", default=None, metavar="RATE",
              help="Frame rate of a video or GIF, e.g. 24 or 30000/1001 [default: the clip's own; 24 for image folders].")
@clip_options(transfer=True)
@backbone_options
@seed_option
@force_option
@quiet_option
def transfer(content: str, styles: tuple[Path, ...], output: Path | None, preset: str | None, like: Path | None,
             size: int | None, save_every: int | None, init: str | None, fps: str | None, clip: ClipOptions,
             backbone: BackboneChoice, seed: int | None, force: bool, quiet: bool, masks: str | None,
             style_masks: str | None, **settings) -> None:
    """Paint CONTENT in the style of STYLES (one or more images, or builtin:N with --preset instant).

    CONTENT is an image, a glob of images ('shots/*.jpg'), a folder of frames,
    an animated GIF, or a video (mp4 mov mkv webm avi).
    """
    check_inputs_exist([content, *(style for style in styles if not str(style).startswith(BUILTIN_PREFIX)), like])
    # These import torch, which every check so far has done without.
    from ..transfer_request import TransferRequest
    from .transfer_run import run_transfer

    request_of = functools.partial(TransferRequest.of, [str(style) for style in styles], preset=preset, like=like,
                                   size=size, seed=seed, init=init, masks=_mask_list(masks),
                                   style_masks=_mask_list(style_masks), **settings)
    run_transfer(content=content, output=output, request_of=request_of, save_every=save_every, fps=fps, clip=clip,
                 backbone=backbone, force=force, quiet=quiet)


def _mask_list(value: str | None) -> list[Path | None]:
    """``"a.png,,b.png"`` -> [a.png, None, b.png]; None -> []."""
    return [] if value is None else [Path(part.strip()) if part.strip() else None for part in value.split(",")]
