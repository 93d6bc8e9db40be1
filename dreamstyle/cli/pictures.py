"""The picture a single-image command works on: read, sized as the run says, and any enlarging said aloud."""

from __future__ import annotations

from pathlib import Path

import click

from ..imaging import Picture, read_image
from ..runs import Run


def read_input(path: Path, run: Run, quiet: bool) -> Picture:
    """``path`` read and sized for ``run``; a note on stderr when ``--size`` enlarges it (never unasked)."""
    picture = read_image(path)
    longest = max(picture.height, picture.width)
    if run.size is not None and run.size > longest and not quiet:
        click.echo(f"note: --size {run.size} enlarges {path.name} ({picture.width}x{picture.height}); "
                   f"without --size it is never enlarged", err=True)
    return run.fit(picture)
