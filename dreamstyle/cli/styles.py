"""``dreamstyle styles``: the instant network's 26 built-in styles, shown on a photo."""

from __future__ import annotations

from pathlib import Path

import click

from .inputs import check_inputs_exist
from .messages import Command
from .options import force_option, quiet_option


@click.command(cls=Command)
@click.argument("photo", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Where to write the sheet [default: PHOTO_styles.png beside the photo].")
@click.option("--size", type=click.IntRange(min=32), default=256, show_default=True,
              help="The longer side of each picture, in px.")
@force_option
@quiet_option
def styles(photo: Path, output: Path | None, size: int, force: bool, quiet: bool) -> None:
    """Paint PHOTO in each of the 26 built-in styles, on one labelled sheet.

    Use a style with: dreamstyle transfer PHOTO builtin:N --preset instant
    """
    check_inputs_exist([photo])
    # Imported once the arguments are known to be good: they import torch.
    from ..imaging import check_output_path, picture_from_pil, read_image, write_image
    from ..preset_sheet import builtin_style_sheet

    output = output or photo.with_name(f"{photo.stem}_styles.png")
    picture = read_image(photo)
    check_output_path(output, [photo], overwrite=force)
    sheet = builtin_style_sheet(picture, size=size)
    write_image(picture_from_pil(sheet), output, metadata=sheet.info["dreamstyle"], inputs=[photo], overwrite=force)
    if not quiet:
        click.echo(f"wrote {output}", err=True)
