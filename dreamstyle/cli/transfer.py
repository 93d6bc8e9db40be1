"""``dreamstyle transfer``: paint a photo in the style of one or more images."""

from __future__ import annotations

from pathlib import Path

import click

from ..imaging import check_output_path, read_image, write_image
from ..runs import load_run_backbone
from ..styletransfer import init_settings, scale_sizes, transfer_tensor
from ..styletransfer.config import COLOR_MODES, OPTIMIZERS
from ..styletransfer.run import like_transfer, resolve_run
from .options import backbone_options, force_option, quiet_option, run_options, seed_option
from .progress import IntermediateSaver, ProgressBar, describe_transfer

TRANSFER_EXAMPLES = """\b
Examples:
  dreamstyle transfer content.jpg style.jpg                 # -> content_style.png
  dreamstyle transfer content.jpg a.jpg b.jpg --style-blend 0.7,0.3 --size 1024 -o out.png
  dreamstyle transfer content.jpg style.jpg --preserve-colors luminance --preset painterly
  dreamstyle transfer content.jpg style.jpg --like content_style.png --size 1024 -o big.png
"""


def default_output(content: Path, styles: list[Path]) -> Path:
    """CONTENT_STYLE.png beside the content image (style names joined by '+')."""
    return content.with_name(f"{content.stem}_{'+'.join(style.stem for style in styles)}.png")


@click.command(epilog=TRANSFER_EXAMPLES)
@click.argument("content", type=click.Path(path_type=Path))
@click.argument("styles", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Output image (.png .jpg .webp .tif) [default: CONTENT_STYLE.png].")
@run_options("transfer")
@click.option("--content-weight", type=float, default=None, help="Weight of the content loss.")
@click.option("--style-weight", type=float, default=None, help="Weight of the style loss.")
@click.option("--tv-weight", type=float, default=None, help="Weight of the total-variation (smoothness) loss.")
@click.option("--content-layers", default=None, metavar="LAYER[:W],...", help="Content layers [default: relu4_2].")
@click.option("--style-layers", default=None, metavar="LAYER[:W],...",
              help="Style layers [default: relu1_1,relu2_1,relu3_1,relu4_1,relu5_1].")
@click.option("--style-blend", default=None, metavar="W,W,...", help="One weight per style image.")
@click.option("--style-scale", type=float, default=None,
              help="Style images are seen at this times the output's size (bigger = larger motifs).")
@click.option("--preserve-colors", type=click.Choice(COLOR_MODES), default=None,
              help="luminance: keep the photo's colours exactly; match: recolour the style to the photo first.")
@click.option("--init", default=None, metavar="content|noise|style|FILE", help="Start image [default: content].")
@click.option("--optimizer", type=click.Choice(OPTIMIZERS), default=None, help="Optimiser [default: lbfgs].")
@click.option("--learning-rate", type=float, default=None, help="Adam's step in [0, 1] pixel units.")
@click.option("--scales", type=int, default=None, help="Number of sizes, coarse to fine.")
@click.option("--start-size", type=int, default=None, help="Longest side of the first scale.")
@click.option("--iterations", type=int, default=None, help="Optimiser iterations per scale.")
@backbone_options
@seed_option
@force_option
@quiet_option
def transfer(content: Path, styles: tuple[Path, ...], output: Path | None, preset: str | None, like: Path | None,
             size: int | None, save_every: int | None, init: str | None, weights: str | None,
             weights_format: str | None, pooling: str | None, device: str, precision: str, seed: int | None,
             force: bool, quiet: bool, **settings) -> None:
    """Paint CONTENT in the style of STYLES (one or more images)."""
    styles = list(styles)
    kind, init_file = init_settings(init)
    if kind is not None:
        settings["init"] = kind
    previous = like_transfer(like)
    run = resolve_run(preset, previous, size, seed, **settings)
    output = output or default_output(content, styles)
    inputs = [content, *styles] + ([Path(init_file)] if init_file else []) + ([like] if like else [])
    check_output_path(output, inputs, overwrite=force)
    blend = run.config.style_blend
    if blend and len(blend) != len(styles):
        raise click.UsageError(f"--style-blend has {len(blend)} weights for {len(styles)} style images")
    picture = read_image(content, run.size)
    style_batches = [read_image(style).batch() for style in styles]
    init_batch = read_image(init_file).batch() if init_file else None
    net = load_run_backbone(previous, weights, pooling, device, precision, weights_format)
    for name, _ in run.config.content_layers + run.config.style_layers:
        net.spec(name)
    metadata = run.metadata(net, input=content.name, styles=[style.name for style in styles],
                            init_image=Path(init_file).name if init_file else None)
    if not quiet:
        click.echo(f"transfer: {content} -> {output}  preset {run.preset}  seed {run.seed}  "
                   f"{picture.width}x{picture.height}  {net.device} {net.precision}", err=True)

    save_intermediate = IntermediateSaver(save_every, picture, output, metadata, inputs)
    scales = scale_sizes(picture.height, picture.width, run.config.scales, run.config.start_size)
    bar = ProgressBar(quiet, len(scales) * run.config.iterations, "transfer", describe_transfer, save_intermediate)
    try:
        result = transfer_tensor(net, picture.batch(), style_batches, run.config, seed=run.seed,
                                 init_image=init_batch, callback=bar)
    finally:
        bar.close()
    write_image(picture.with_rgb(result), output, metadata=metadata, inputs=inputs, overwrite=force)
    if not quiet:
        click.echo(f"wrote {output}", err=True)
