"""``dreamstyle presets``: the built-in looks of every engine command."""

from __future__ import annotations

import click

from ..presets import KINDS, builtin_presets
from .messages import Command


@click.command(cls=Command)
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
