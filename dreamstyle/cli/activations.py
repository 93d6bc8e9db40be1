"""``dreamstyle activations``: what a layer sees in an image."""

from __future__ import annotations

from pathlib import Path

import click

from ..backbone.choice import BackboneChoice
from .inputs import check_inputs_exist
from .messages import Command
from .options import backbone_options, force_option, quiet_option


@click.command(cls=Command)
@click.argument("image", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Where to write the sheet [default: IMAGE_LAYER.png beside the image].")
@click.option("--layer", default="relu3_1", show_default=True, help="Layer to show (see dreamstyle layers).")
@click.option("--count", type=click.IntRange(min=1), default=16, show_default=True,
              help="How many channels, strongest first.")
@click.option("--size", type=click.IntRange(min=16), default=512, show_default=True,
              help="Resize the image so its longer side is this many px first.")
@backbone_options
@force_option
@quiet_option
def activations(image: Path, output: Path | None, layer: str, count: int, size: int, backbone: BackboneChoice,
                force: bool, quiet: bool) -> None:
    """Show the strongest activation maps of one layer for IMAGE as a labelled sheet.

    Each tile is one channel (brighter = stronger response), labelled
    layer:channel, so you can see which features a layer picks up in your photo.
    """
    check_inputs_exist([image])
    # Imported once the arguments are known to be good: they import torch.
    from ..activations import activation_sheet
    from ..imaging import check_output_path, picture_from_pil, write_image

    output = output or image.with_name(f"{image.stem}_{layer}.png")
    check_output_path(output, inputs=[image], overwrite=force)
    net = backbone.load()
    sheet = activation_sheet(image, net, layer=layer, count=count, size=size)
    metadata = {"command": "activations", "layer": layer, "count": count, "size": size,
                "weights": net.weights, "pooling": backbone.pooling}
    write_image(picture_from_pil(sheet), output, metadata=metadata, inputs=[image], overwrite=force)
    if not quiet:
        click.echo(f"wrote {output}")
