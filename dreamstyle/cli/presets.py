"""``dreamstyle presets``: the built-in looks of every engine command, listed or shown on a photo."""

from __future__ import annotations

from pathlib import Path

import click

from ..presets import KINDS, builtin_presets
from .messages import Command
from .options import backbone_options, force_option, quiet_option


@click.command(cls=Command)
@click.option("--sheet", "photo", type=click.Path(path_type=Path), default=None,
              help="Make PHOTO with every built-in preset and lay the pictures out on one labelled sheet.")
@click.option("--style", type=click.Path(path_type=Path), default=None,
              help="With --sheet: a style image, to show the transfer presets too.")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="With --sheet: where to write it [default: PHOTO_presets.png beside the photo].")
@click.option("--size", type=click.IntRange(min=32), default=256, show_default=True,
              help="With --sheet: the longer side of each picture, in px.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="With --sheet: one seed for every preset.")
@backbone_options
@force_option
@quiet_option
def presets(photo: Path | None, style: Path | None, output: Path | None, size: int, seed: int, backbone,
            force: bool, quiet: bool) -> None:
    """List the built-in presets with their descriptions (use with --preset NAME),
    or show them: --sheet PHOTO makes the photo with each one."""
    if photo is None:
        given = [flag for flag, value in (("--style", style), ("-o", output)) if value is not None]
        if given:
            raise click.UsageError(f"{', '.join(given)} go with --sheet PHOTO")
        _list()
        return
    from ..imaging import check_output_path, read_image, write_image
    from ..imaging.picture import picture_from_pil
    from ..preset_sheet import preset_sheet

    output = output or photo.with_name(f"{photo.stem}_presets.png")
    inputs = [photo] + ([style] if style else [])
    for path in inputs:
        read_image(path)  # a missing or broken image is told now, before any preset runs
    check_output_path(output, inputs, overwrite=force)

    def said(name: str, number: int, count: int) -> None:
        if not quiet:
            click.echo(f"{number}/{count} {name}", err=True)

    sheet = preset_sheet(photo, style, size=size, seed=seed, backbone=backbone.load(), on_preset=said)
    write_image(picture_from_pil(sheet), output, metadata=sheet.info["dreamstyle"], inputs=inputs, overwrite=force)
    if not quiet:
        click.echo(f"wrote {output}", err=True)


def _list() -> None:
    for kind in KINDS:
        found = builtin_presets(kind)
        if not found:
            continue
        click.echo(f"{kind} presets:")
        for preset in found:
            click.echo(f"  {preset.name:<12}{preset.description}")
    click.echo("\nYour own: --preset path/to/mine.toml (a description line plus any of the command's settings).")
    click.echo("See them on your photo: dreamstyle presets --sheet photo.jpg [--style painting.jpg]")
