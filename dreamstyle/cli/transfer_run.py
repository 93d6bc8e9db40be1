"""``dreamstyle transfer``'s work, once its arguments are known to be good: this module imports torch."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import click

from ..backbone import BackboneChoice
from ..imaging import check_output_path
from ..styles import builtin_style
from ..transfer_request import TransferRequest
from ..video import open_source, parse_fps
from ..video.config import TRANSFER_TEMPORAL
from .clip_options import ClipOptions
from .frames import ManyRun, render_many
from .still import StillRun


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
        many = ManyRun(request=request, delivery=clip.delivery(output, tag, frame_rate, force),
                       inputs=(Path(content),),
                       temporal=clip.temporal.config(TRANSFER_TEMPORAL) if clip.temporal.given else None,
                       backbone=backbone, told_folder=clip.folder_is is not None, quiet=quiet)
        render_many(many, source)
        return
    content = Path(content)
    clip.refuse_for_one_image(content)
    request = request_of(still=True)
    output = output or default_output(content, request.style_names)
    still = StillRun.of(request, content, backbone, quiet)
    check_output_path(output, still.inputs, overwrite=force)  # after the settings, as for dream
    still.render(output, save_every, force, quiet)


def default_output(content: Path, styles: Sequence[str]) -> Path:
    """CONTENT_STYLE.png beside the content image (the names of the styles' files joined by '+')."""
    return content.with_name(f"{content.stem}_{'+'.join(_stem(style) for style in styles)}.png")


def _stem(style: str) -> str:
    """What a style adds to a default output's name: its file's stem, or ``builtin7`` for ``builtin:7``."""
    return style.replace(":", "") if builtin_style(style) else Path(style).stem
