"""The ``dreamstyle`` command line: flags, files and printing; the work is done elsewhere."""

from __future__ import annotations

from .activations import activations
from .assemble import assemble
from .app import cli
from .atlas import atlas
from .dream import dream
from .info import layers, weights
from .presets import presets
from .studio import studio
from .transfer import transfer

for command in (dream, transfer, assemble, atlas, presets, activations, layers, weights, studio):
    cli.add_command(command)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="dreamstyle")


__all__ = ["cli", "main"]
