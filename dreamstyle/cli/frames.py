"""Many images and whole clips on the command line: the start line, its estimate, the bars and what Ctrl-C kept.

The work itself (where files go, resume, shards, the frame loop, the writer)
is the library's :func:`dreamstyle.video.render.render`; this module draws its
events and prints.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import click

from ..backbone import BackboneChoice, VGGFeatures
from ..errors import count_of
from ..estimate import NOTHING, Cost, about, clip_cost, estimate_seconds
from ..runs import EngineRequest
from ..runtime import describe_device
from ..video.config import TemporalConfig
from ..video.render import Delivery, Event, PictureDone, PictureStarted, Planned, Step, render
from ..video.sources import FrameSource
from .app import CONTINUES
from .progress import FrameBars

# What the start line says of a folder whose kind was told from its files, and how to say otherwise.
FOLDER_GUESSES = {
    "folder": "\n  a folder of same-size numbered frames: one clip (--folder-is batch for separate photos)",
    "photos": "\n  a folder of separate photos, each at its own shape and named after it, no temporal term "
              "(--folder-is clip for one clip)",
}


@dataclass(frozen=True)
class ManyRun:
    """What a ``dream`` or ``transfer`` command given many inputs asked for.

    Attributes:
        request: the run.
        delivery: where the results go.
        inputs: the files the pictures were named by (never overwritten); the first names default outputs.
        temporal: the clip settings given (the command's defaults with the given flags applied), None for none.
        backbone: the backbone asked for.
        told_folder: whether ``--folder-is`` said what a folder holds (else the start line says what was guessed).
    """

    request: EngineRequest
    delivery: Delivery
    inputs: tuple[Path, ...]
    temporal: TemporalConfig | None
    backbone: BackboneChoice
    told_folder: bool
    quiet: bool


def render_many(many: ManyRun, source: FrameSource) -> None:
    """A batch of photos or a clip, from the settings to the last file written, said on stderr as it goes."""
    shown = ManyProgress(many, source)
    try:
        rendered = render(many.request, source, many.delivery, inputs=many.inputs, temporal=many.temporal,
                          backbone=many.backbone, events=shown)
    except KeyboardInterrupt as interrupt:
        if shown.planned is not None:
            interrupt.add_note(shown.kept())
        raise
    finally:
        shown.close()
    if rendered.stability is not None:  # asked for, so said even when quiet
        click.echo(rendered.stability.describe(), err=True)
    if many.quiet:
        return
    planned = shown.planned
    if planned.batch:
        if rendered.written:  # every command ends by saying what it wrote
            where = f"in {planned.output}/" if planned.output is not None else \
                f"beside their inputs (NAME_{many.delivery.tag}.png)"
            click.echo(f"wrote {count_of(rendered.written, 'image')} {where}", err=True)
        return
    if rendered.note:
        click.echo(f"note: {rendered.note}", err=True)
    click.echo(f"wrote {rendered.output}", err=True)


class ManyProgress:
    """The events of a batch or a clip, drawn: the start line and its estimate, then a bar over the pictures and
    one for the picture in progress (tqdm on stderr; nothing when quiet)."""

    def __init__(self, many: ManyRun, source: FrameSource):
        self.many, self.source = many, source
        self.planned: Planned | None = None
        self.bars: FrameBars | None = None
        self.finished = 0  # pictures of the plan finished by this run

    def __call__(self, event: Event) -> None:
        if isinstance(event, Planned):
            self.planned = event
            if not self.many.quiet:
                self._start_line(event)
            unit = "image" if event.batch else "frame"
            self.bars = FrameBars(self.many.quiet, event.total, unit=unit, initial=event.done)
        elif isinstance(event, PictureStarted):
            self.bars.engine_bar(event.label)
        elif isinstance(event, Step):
            self.bars.engine(event.progress)
        elif isinstance(event, PictureDone):
            self.finished += event.counted
            self.bars.picture_done(event.counted)

    def kept(self) -> str:
        """What an interrupted run kept, and how to go on."""
        planned = self.planned
        if planned.batch:
            return f"kept {count_of(planned.done + self.finished, 'finished image')}; {CONTINUES}"
        return f"kept {count_of(planned.done + self.finished, 'finished frame')} in {planned.folder}/; {CONTINUES}"

    def close(self) -> None:
        if self.bars is not None:
            self.bars.close()

    def _start_line(self, planned: Planned) -> None:
        many, info, prepared = self.many, self.source.info, planned.prepared
        run, net = prepared.run, prepared.net
        guess = "" if many.told_folder else FOLDER_GUESSES.get(info.kind, "")
        click.echo(f"{run.command}: {info.name} -> {planned.output or 'beside each input'}  preset {run.preset}  "
                   f"seed {run.seed}  on {describe_device(net.device)} {net.precision}{guess}", err=True)
        if planned.batch:
            cost = NOTHING
            for size in planned.sizes:
                cost = cost.then(prepared.cost(*size))
            click.echo(f"{count_of(planned.total, 'image')}, {planned.done} already done: "
                       f"{_said(net, cost)}", err=True)
            return
        first, stop = planned.span
        temporal: TemporalConfig = many.temporal or prepared.temporal_defaults
        cost = NOTHING
        if planned.sizes:
            size = planned.sizes[0]
            cost = clip_cost(prepared.cost(*size), prepared.later_cost(*size, temporal), len(planned.sizes),
                             from_first=planned.done == 0 and first == 0)
        shard = many.delivery.shard
        part = "" if shard.whole else f" (part {shard.index}/{shard.count}: frames {first}-{stop - 1})"
        click.echo(f"{info.count} frames{part}, {planned.done} already done: {_said(net, cost)}; frames go "
                   f"to {planned.folder}/ (run the same command again to continue after an interruption)", err=True)


def _said(net: VGGFeatures, cost: Cost) -> str:
    """About how long ``cost`` (see :mod:`dreamstyle.estimate`) takes, or that there is nothing to do."""
    return about(estimate_seconds(net, cost)) if cost.stages else "nothing to do"
