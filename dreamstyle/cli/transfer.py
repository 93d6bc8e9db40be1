"""``dreamstyle transfer``: paint a photo in the style of one or more images.

The command is declared here without torch, so that its help and a mistake in its arguments are said at once;
:mod:`.transfer_run` does the work.
"""

from __future__ import annotations

import functools
from pathlib import Path

import click

from ..backbone.choice import BackboneChoice
from ..styletransfer.config import BOUNDS, BUILTIN_PREFIX, COLOR_MODES, DEFAULT_SIZE, OPTIMIZERS, STYLE_LOSSES
from .clip_options import ClipOptions, clip_options
from .inputs import check_inputs_exist
from .messages import Command
from .options import backbone_options, force_option, quiet_option, run_options, seed_option

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
@run_options("transfer", default_size=f"the input's, at most {DEFAULT_SIZE}")
@click.option("--content-weight", type=float, default=None, help="Weight of the content loss.")
@click.option("--style-weight", type=float, default=None, help="Weight of the style loss.")
@click.option("--tv-weight", type=float, default=None, help="Weight of the total-variation (smoothness) loss.")
@click.option("--content-layers", default=None, metavar="LAYER[:W],...", help="Content layers [default: relu4_2].")
@click.option("--style-layers", default=None, metavar="LAYER[:W],...",
              help="Style layers [default: relu1_1,relu2_1,relu3_1,relu4_1,relu5_1].")
@click.option("--style-blend", default=None, metavar="W,W,...", help="One weight per style image.")
@click.option("--style-scale", type=float, default=None,
              help="Style images are seen at this times the output's size (bigger = larger motifs).")
@click.option("--style-loss", type=click.Choice(STYLE_LOSSES), default=None,
              help="The style statistic: gram (Gatys et al.'s Gram matrices) or sliced-wasserstein (the whole "
                   "distribution of features, along random directions from the seed) [default: gram].")
@click.option("--masks", "masks", default=None, metavar="MASK,MASK,...",
              help="One mask per style, in order: a grayscale image of the content's shape saying where that style "
                   "lands (white: here; soft edges blend styles). Where no mask reaches, the photo stays. For a "
                   "clip, each may be a folder with one mask per frame.")
@click.option("--style-masks", default=None, metavar="MASK,MASK,...",
              help="One mask per style image (empty for all of it), saying which part of it the style comes "
                   "from, e.g. ',sky_part.png'.")
@click.option("--preserve-colors", type=click.Choice(COLOR_MODES), default=None,
              help="luminance: keep the photo's colours exactly; match: recolour the style to the photo first.")
@click.option("--init", default=None, metavar="content|noise|style|recoloured|instant|FILE",
              help="Start image; recoloured: the content in the styles' colours; instant: the instant preset's "
                   "picture [default: content].")
@click.option("--instant-strength", type=click.FloatRange(0, 1), default=None,
              help="The instant preset (and --init instant): how far from the photo's own style toward the "
                   "styles, 0-1 [default: 1].")
@click.option("--matting-weight", type=float, default=None,
              help="Weight of the photorealism term (Luan et al.: the content's matting Laplacian as a penalty): "
                   "keeps the photo's edges and structure, so the style changes colours, not shapes [default: 0, "
                   "off; the photo preset: 1e7].")
@click.option("--guided-filter", type=int, default=None, metavar="RADIUS",
              help="After the run, a guided filter with the content as guide, of this radius in px at a 512 px output "
                   "(scaled with the size): the result's colours on the photo's edges [default: 0, off; the photo "
                   "preset: 64].")
@click.option("--optimizer", type=click.Choice(OPTIMIZERS), default=None, help="Optimiser [default: lbfgs].")
@click.option("--learning-rate", type=float, default=None, help="Adam's step in [0, 1] pixel units.")
@click.option("--bounds", type=click.Choice(BOUNDS), default=None,
              help="How L-BFGS keeps pixels in [0, 1]: soft (a penalty outside the range; converges further) or "
                   "clamp (clip into range every 10 iterations) [default: soft].")
@click.option("--scales", type=int, default=None, help="Number of sizes, coarse to fine.")
@click.option("--start-size", type=int, default=None, help="Longest side of the first scale.")
@click.option("--iterations", type=int, default=None,
              help="Optimiser iterations of a single scale; of several, the coarser run --coarse-iterations-factor "
                   "and the last --final-iterations-factor times this [default: 100].")
@click.option("--coarse-iterations-factor", type=float, default=None,
              help="Each scale before the last runs this times --iterations [default: 0.5].")
@click.option("--final-iterations-factor", type=float, default=None,
              help="The last of several scales (the output size) runs this times --iterations [default: 1.1].")
@click.option("--coarse-content-boost", type=float, default=None,
              help="Content weight times this at the first scale, falling to 1x at the output size "
                   "(keeps the photo's layout) [default: 10].")
@click.option("--content-detail", type=float, default=None,
              help="Add back this much of the photo's fine detail, which an upsampled scale lacks, at the start of "
                   "each finer scale, 0-1 [default: 1].")
@click.option("--content-mix", type=float, default=None,
              help="Blend this much of the photo itself into the start of each finer scale, 0-1 [default: 0].")
@click.option("--tile", type=int, default=None,
              help="Tile side in px for images too large for memory (0 never tiles) [default: automatic from free "
                   "memory]; the style statistics stay global, so no seams.")
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
    from ..styletransfer.request import TransferRequest
    from .transfer_run import run_transfer

    request_of = functools.partial(TransferRequest.of, [str(style) for style in styles], preset=preset, like=like,
                                   size=size, seed=seed, init=init, masks=_mask_list(masks),
                                   style_masks=_mask_list(style_masks), **settings)
    run_transfer(content=content, output=output, request_of=request_of, save_every=save_every, fps=fps, clip=clip,
                 backbone=backbone, force=force, quiet=quiet)


def _mask_list(value: str | None) -> list[Path | None]:
    """``"a.png,,b.png"`` -> [a.png, None, b.png]; None -> []."""
    return [] if value is None else [Path(part.strip()) if part.strip() else None for part in value.split(",")]
