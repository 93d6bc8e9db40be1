"""``dreamstyle transfer``'s work, once its arguments are known to be good: this module imports torch."""

from __future__ import annotations

import functools
from pathlib import Path

import click

from ..backbone import BackboneChoice, VGGFeatures
from ..estimate import FramesWork
from ..imaging import check_output_path, read_image, write_image
from ..progress import ProgressBar, transfer_done_and_status
from ..runs import Run
from ..instant.engine import builtin_style
from ..styletransfer import init_settings, scale_schedule, total_iterations, transfer_tensor
from ..styletransfer.engine import check_builtin_styles, check_layers, schedule_work, style_weights
from ..styletransfer.run import like_transfer, resolve_run
from ..styletransfer.api import read_style, style_size
from ..styletransfer.style_masks import StyleMasks
from ..video import open_source, parse_fps
from ..video.config import TRANSFER_TEMPORAL, TemporalConfig
from ..video.temporal import FrameRenderer, later_transfer_config, transfer_renderer
from .clip_options import ClipOptions
from .frames import ManyEngine, ManyRun, render_many
from .pictures import read_input
from .progress import IntermediateSaver, running
from .start import announce


def run_transfer(*, content: str, styles: tuple[Path, ...], output: Path | None, preset: str | None,
                 like: Path | None, size: int | None, save_every: int | None, init: str | None, fps: str | None,
                 clip: ClipOptions, backbone: BackboneChoice, seed: int | None, force: bool, quiet: bool,
                 masks: str | None, style_masks: str | None, **settings) -> None:
    """Transfer as ``dreamstyle transfer`` was asked to (see :func:`dreamstyle.cli.transfer.transfer`)."""
    styles = list(styles)
    kind, init_file = init_settings(init)
    if kind is not None:
        settings["init"] = kind
    frame_rate = None if fps is None else parse_fps(fps)
    source = open_source([content], frame_rate, clip.folder_is)
    style_batches = [read_style(str(style)) for style in styles]
    regions = StyleMasks(_mask_list(masks), _mask_list(style_masks), [style_size(style) for style in style_batches],
                         frames=source and source.info.count, still=source is None)
    if source is not None:
        if save_every is not None or init_file:
            raise click.UsageError("--save-every and --init FILE apply to one image, not to a clip or a batch")
        many = ManyRun("transfer", "+".join(_stem(style) for style in styles),
                       (Path(content), *_files(styles), *regions.files()), output, preset, like, size, seed, settings,
                       clip.temporal.config(TRANSFER_TEMPORAL), clip, frame_rate, backbone, force, quiet)
        engine = ManyEngine(like=like_transfer, resolve=resolve_run,
                            check=functools.partial(_check_styles, style_batches),
                            renderer=functools.partial(_transfer_renderer, styles, style_batches, regions),
                            done_and_status=transfer_done_and_status, frames_work=_transfer_frames_work)
        render_many(many, source, engine)
        return
    content = Path(content)
    clip.refuse_for_one_image(content)
    previous = like_transfer(like)
    run = resolve_run(preset, previous, size, seed, **settings)
    output = output or default_output(content, styles)
    inputs = [content, *_files(styles)] + ([Path(init_file)] if init_file else []) + ([like] if like else []) + \
        regions.files()
    _check_styles(style_batches, run)
    picture = read_input(content, run, quiet)
    frame_regions = regions(0, (picture.height, picture.width))
    init_batch = read_image(init_file).batch() if init_file else None
    net = backbone.load(previous)
    check_layers(net, run.config)
    check_output_path(output, inputs, overwrite=force)  # after the settings, as for dream
    metadata = run.metadata(net, input=content.name, styles=[style.name for style in styles],
                            init_image=Path(init_file).name if init_file else None, **regions.metadata())
    schedule = scale_schedule(picture.height, picture.width, run.config)
    announce("transfer", content, output, run, picture, net, run.config.layer_names, schedule_work(schedule), quiet)

    save_intermediate = IntermediateSaver(save_every, picture, output, metadata, inputs)
    total = total_iterations(schedule)
    bar = ProgressBar(quiet, total, "transfer", transfer_done_and_status, save_intermediate)
    with running(bar, save_intermediate, overwrite=force):
        result = transfer_tensor(net, picture.batch(), style_batches, run.config, seed=run.seed,
                                 init_image=init_batch, regions=frame_regions, callback=bar)
    write_image(picture.with_rgb(result), output, metadata=metadata, inputs=inputs, overwrite=force)
    if not quiet:
        click.echo(f"wrote {output}", err=True)


def default_output(content: Path, styles: list[Path]) -> Path:
    """CONTENT_STYLE.png beside the content image (style names joined by '+')."""
    return content.with_name(f"{content.stem}_{'+'.join(_stem(style) for style in styles)}.png")


def _mask_list(value: str | None) -> list[Path | None]:
    """``"a.png,,b.png"`` -> [a.png, None, b.png]; None -> []."""
    return [] if value is None else [Path(part.strip()) if part.strip() else None for part in value.split(",")]


def _transfer_renderer(styles: list[Path], style_batches: list, regions: StyleMasks, net: VGGFeatures, run: Run,
                       temporal: TemporalConfig) -> tuple[FrameRenderer, dict]:
    """The frame renderer of a transfer over many inputs, and what it adds to their metadata."""
    check_layers(net, run.config)
    return (transfer_renderer(net, style_batches, run.config, temporal, seed=run.seed, regions=regions),
            {"styles": [style.name for style in styles], **regions.metadata()})


def _transfer_frames_work(net: VGGFeatures, run: Run, temporal: TemporalConfig, height: int, width: int
                          ) -> FramesWork:
    """What a transfer's frame of (H, W) costs: on its own, and starting from the previous frame."""
    later = later_transfer_config(run.config, temporal)
    return FramesWork(run.config.layer_names, schedule_work(scale_schedule(height, width, run.config)),
                      schedule_work(scale_schedule(height, width, later)))


def _stem(style: Path) -> str:
    """What a style adds to a default output's name: its file's stem, or ``builtin7`` for ``builtin:7``."""
    return style.name.replace(":", "") if builtin_style(str(style)) else style.stem


def _files(styles: list[Path]) -> list[Path]:
    """The style files among ``styles`` (a built-in style is no file)."""
    return [style for style in styles if not builtin_style(str(style))]


def _check_styles(styles: list, run: Run) -> None:
    """Refuse styles the run cannot use (a blend of the wrong length, a built-in style for Gatys) before any work."""
    style_weights(run.config, len(styles))
    check_builtin_styles(styles, run.config)
