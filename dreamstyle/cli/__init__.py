"""The ``dreamstyle`` command line: flags, files and printing; the work is done elsewhere.

Each command lives in a module of its own, imported when it is used (see :data:`.app.COMMANDS`).
"""

from __future__ import annotations

from .app import cli


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="dreamstyle")


__all__ = ["cli", "main"]
