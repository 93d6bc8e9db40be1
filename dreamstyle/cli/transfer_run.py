"""``dreamstyle transfer``'s work, once its arguments are known to be good: this module imports torch."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import click

from ..backbone import BackboneChoice, VGGFeatures
from ..estimate import FramesWork
from ..imaging import check_output_path, write_image
from ..instant.engine import builtin_style
from ..progress import ProgressBar, transfer_done_and_status
from ..runs import Run
from ..styletransfer import scale_schedule, total_iterations
from ..styletransfer.engine import schedule_work
from ..styletransfer.request import TransferRequest
from ..video import open_source, parse_fps
from ..video.config import TRANSFER_TEMPORAL, TemporalConfig
from ..video.temporal import later_transfer_config
from .clip_options import ClipOptions
from .frames import ManyRun, render_many
from .pictures import read_input
from .progress import IntermediateSaver, running
from .start import announce


def run_transfer(*, content: str, output: Path | None, request_of: Callable[..., TransferRequest],
                 save_every: int | None, fps: str | None, clip: ClipOptions, backbone: BackboneChoice, force: bool,
                 quiet: bool) -> None:
    """Transfer as ``dreamstyle transfer`` was asked to (see :func:`dreamstyle.cli.transfer.transfer`).

    ``request_of(frames=..., still=...)``: the run as asked for, for a clip of so many frames or a still.
    """
    frame_rate = None if fps is None else parse_fps(fps)
    source = open_source([content], frame_rate, clip.folder_is)
    if source is not None:
        request = request_of(frames=source.info.count)
        if save_every is not None or request.init is not None:
            raise click.UsageError("--save-every and --init FILE apply to one image, not to a clip or a batch")
        tag = "+".join(_stem(name) for name in request.style_names)
        many = ManyRun(command="transfer", request=request, delivery=clip.delivery(output, tag, frame_rate, force),
                       inputs=(Path(content),),
                       temporal=clip.temporal.config(TRANSFER_TEMPORAL) if clip.temporal.given else None,
                       backbone=backbone, frames_work=_transfer_frames_work, told_folder=clip.folder_is is not None,
                       quiet=quiet)
        render_many(many, source)
        return
    content = Path(content)
    clip.refuse_for_one_image(content)
    request = request_of(still=True)
    run = request.resolve()
    output = output or default_output(content, request.style_names)
    inputs = [content, *request.files]
    picture = read_input(content, run, quiet)
    request.check(run, (picture.height, picture.width))
    prepared = request.prepare(backbone, run)
    check_output_path(output, inputs, overwrite=force)  # after the settings, as for dream
    metadata = prepared.metadata(input=content.name)
    schedule = scale_schedule(picture.height, picture.width, run.config)
    announce("transfer", content, output, run, picture, prepared.net, run.config.layer_names, schedule_work(schedule),
             quiet)

    save_intermediate = IntermediateSaver(save_every, picture, output, metadata, inputs)
    bar = ProgressBar(quiet, total_iterations(schedule), "transfer", transfer_done_and_status, save_intermediate)
    with running(bar, save_intermediate, overwrite=force):
        result = prepared.still(picture.batch(), bar)
    write_image(picture.with_rgb(result), output, metadata=metadata, inputs=inputs, overwrite=force)
    if not quiet:
        click.echo(f"wrote {output}", err=True)


def default_output(content: Path, styles: Sequence[str]) -> Path:
    """CONTENT_STYLE.png beside the content image (the names of the styles' files joined by '+')."""
    return content.with_name(f"{content.stem}_{'+'.join(_stem(style) for style in styles)}.png")


def _transfer_frames_work(net: VGGFeatures, run: Run, temporal: TemporalConfig, height: int, width: int
                          ) -> FramesWork:
    """What a transfer's frame of (H, W) costs: on its own, and starting from the previous frame."""
    later = later_transfer_config(run.config, temporal)
    return FramesWork(run.config.layer_names, schedule_work(scale_schedule(height, width, run.config)),
                      schedule_work(scale_schedule(height, width, later)))


def _stem(style: str) -> str:
    """What a style adds to a default output's name: its file's stem, or ``builtin7`` for ``builtin:7``."""
    return style.replace(":", "") if builtin_style(style) else Path(style).stem
