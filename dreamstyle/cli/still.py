"""One picture on the command line, for every command and engine: read, checked, said, drawn, kept on Ctrl-C.

``dreamstyle dream`` and ``dreamstyle transfer`` given one image both come
here with their request; what the run costs, how far it is and what it
writes come from the prepared run (:class:`~dreamstyle.engines.PreparedRun`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import click

from ..backbone import BackboneChoice
from ..engines import PreparedRun
from ..estimate import Cost
from ..imaging import Picture, write_image
from ..progress import ProgressBar
from ..runs import EngineRequest
from .pictures import read_input
from .progress import IntermediateSaver, running
from .start import announce


@dataclass(frozen=True)
class StillRun:
    """A single picture's run, prepared: the photo as read and sized, the run on its backbone, and every file it
    reads (never written over)."""

    image: Path
    picture: Picture
    prepared: PreparedRun
    inputs: tuple[Path, ...]

    @classmethod
    def of(cls, request: EngineRequest, image: Path, backbone: BackboneChoice, quiet: bool) -> "StillRun":
        """``request`` (for a still) on ``image``: its settings resolved and checked against the picture, then its
        backbone loaded."""
        run = request.resolve()
        picture = read_input(image, run, quiet)
        request.check(run, (picture.height, picture.width))
        return cls(image, picture, request.prepare(backbone, run), (image, *request.files))

    @property
    def cost(self) -> Cost:
        return self.prepared.cost(self.picture.height, self.picture.width)

    def metadata(self) -> dict:
        return self.prepared.metadata(input=self.image.name)

    def announce(self, output: Path, cost: Cost, quiet: bool) -> None:
        """The start line: what runs, where, and about how long ``cost`` takes there."""
        prepared = self.prepared
        announce(prepared.run.command, self.image, output, prepared.run, self.picture, prepared.net, cost, quiet)

    def render(self, output: Path, save_every: int | None, force: bool, quiet: bool) -> None:
        """Make the picture and write it to ``output`` (checked already), with its bar, ``--save-every`` pictures
        and, on Ctrl-C or SIGTERM, the picture so far."""
        cost = self.cost
        self.announce(output, cost, quiet)
        metadata = self.metadata()
        saver = IntermediateSaver(save_every, self.picture, output, metadata, list(self.inputs))
        bar = ProgressBar(quiet, cost.steps, self.prepared.run.command, on_step=saver)
        with running(bar, saver, overwrite=force):
            result = self.prepared.still(self.picture.batch(), bar)
        write_image(self.picture.with_rgb(result), output, metadata=metadata, inputs=list(self.inputs),
                    overwrite=force)
        if not quiet:
            click.echo(f"wrote {output}", err=True)
