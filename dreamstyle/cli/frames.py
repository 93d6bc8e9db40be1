"""Many images and whole clips for ``dream`` and ``transfer``: batches, sequences, shards, resume, reports.

The engines, a clip's frame loop (:class:`dreamstyle.video.job.FrameJob`) and
its warping error live in :mod:`dreamstyle.video`. This module decides where
files go, checks them before any work starts, renders a batch of separate
photos one by one, and prints.
"""

from __future__ import annotations

import functools
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import click

from ..backbone import BackboneChoice, VGGFeatures
from ..errors import InvalidArgumentError, OutputExistsError, count_of
from ..imaging import read_image, read_metadata, write_image
from ..estimate import FramesWork, about, estimate_seconds
from ..imaging.read import image_size
from ..imaging.write import FORMATS, check_new_file, check_not_an_input, check_writable
from ..runs import Run
from ..runtime import describe_device
from ..video import GIF, VIDEO_FORMATS, is_frame_folder
from ..video.config import Shard
from ..video.job import (FrameJob, as_json_values, collect_frames, frame_size, read_manifest, work_folder,
                         write_clip)
from ..video.sources import FrameSource
from ..video.temporal import FrameRenderer, TemporalConfig
from .app import CONTINUES
from .clip_options import DEFAULT_FPS, ClipOptions
from .progress import FrameBars

# Settings that may differ between a run and the one it continues (they change
# how a frame is computed, not what it should be) or that name one file.
VOLATILE_KEYS = ("dreamstyle", "device", "precision", "input", "frame")


@dataclass(frozen=True)
class ManyRun:
    """What a ``dream`` or ``transfer`` command given many inputs asked for.

    Attributes:
        command: ``"dream"`` or ``"transfer"``.
        tag: added to input names for default outputs (``dream``, or the style names).
        inputs: every file the command reads (never overwritten); the first names default outputs.
        output: ``-o``, or None for the default.
        preset, like, size, seed: where the settings start, as given.
        settings: the engine settings given as options (None: not given).
        temporal: the clip settings (the command's defaults with the given flags applied).
        clip: the clip options as given.
        fps: the output frame rate, None for the source's.
        backbone: the backbone asked for.
    """

    command: str
    tag: str
    inputs: tuple[Path, ...]
    output: Path | None
    preset: str | None
    like: Path | None
    size: int | None
    seed: int | None
    settings: Mapping[str, Any]
    temporal: TemporalConfig
    clip: ClipOptions
    fps: Fraction | None
    backbone: BackboneChoice
    force: bool
    quiet: bool

    @property
    def shard(self) -> Shard:
        return self.clip.shard or Shard()


@dataclass(frozen=True)
class ManyEngine:
    """What ``dream`` and ``transfer`` do differently with many inputs.

    Attributes:
        like: reads an earlier output's settings (``--like``).
        resolve: the command's ``resolve_run(preset, like, size, seed, **settings)``.
        check: refuses a run that cannot work, before the backbone is loaded.
        renderer: (backbone, run, clip settings) -> (the frame renderer, what to add to the metadata).
        done_and_status: how far an engine progress event is, and its status (see :class:`ProgressBar`).
    """

    like: Callable[[Path | None], Mapping[str, Any] | None]
    resolve: Callable[..., Run]
    check: Callable[[Run], None]
    renderer: Callable[[VGGFeatures, Run, TemporalConfig], tuple[FrameRenderer, dict[str, Any]]]
    done_and_status: Callable
    frames_work: Callable[[VGGFeatures, Run, TemporalConfig, int, int], FramesWork]


@dataclass(frozen=True)
class Estimate:
    """The start line's rough time for a batch's photos or a clip's frames, timed on the run's backbone.

    Attributes:
        net: the backbone the run uses.
        frames_work: (height, width) -> what a frame of that size costs (see :class:`FramesWork`).
    """

    net: VGGFeatures
    frames_work: Callable[[int, int], FramesWork]

    def batch(self, sizes: list[tuple[int, int]]) -> str:
        """About how long photos of these (H, W) output sizes take, each rendered on its own."""
        works = [self.frames_work(height, width) for height, width in sizes]
        return self._said(works[0].layers if works else (), [step for work in works for step in work.first])

    def clip(self, size: tuple[int, int], frames: int, from_first: bool) -> str:
        """About how long ``frames`` frames of (H, W) take; ``from_first``: they start at the clip's first."""
        work = self.frames_work(*size)
        return self._said(work.layers, work.of_clip(frames, from_first))

    def _said(self, layers, work) -> str:
        return about(estimate_seconds(self.net, layers, work)) if work else "nothing to do"


# What the start line says of a folder whose kind was told from its files, and how to say otherwise.
FOLDER_GUESSES = {
    "folder": "\n  a folder of same-size numbered frames: one clip (--folder-is batch for separate photos)",
    "photos": "\n  a folder of separate photos, each at its own shape and named after it, no temporal term "
              "(--folder-is clip for one clip)",
}


def render_many(many: ManyRun, source: FrameSource, engine: ManyEngine) -> None:
    """A batch of photos or a clip, from the settings to the last file written."""
    output = plan_output(source, many.output, many.inputs[0], many.tag)
    seed = resume_seed(source, output, many.tag, many.seed, many.force)
    previous = engine.like(many.like)
    run = engine.resolve(many.preset, previous, many.size, seed, **many.settings)
    engine.check(run)
    check_many(many, source, output)
    net = many.backbone.load(previous)
    renderer, extra = engine.renderer(net, run, many.temporal)
    metadata = run.metadata(net, **extra)
    if not many.quiet:
        click.echo(f"{many.command}: {source.info.name} -> {output or 'beside each input'}  preset {run.preset}  "
                   f"seed {run.seed}  on {describe_device(net.device)} {net.precision}"
                   f"{FOLDER_GUESSES.get(source.info.kind, '') if many.clip.folder_is is None else ''}", err=True)
    estimate = None if many.quiet else Estimate(net, functools.partial(engine.frames_work, net, run, many.temporal))
    if is_batch(source, output):
        _run_batch(many, source, output, run, renderer, metadata, engine.done_and_status, estimate)
    else:
        _run_clip(many, source, output, run, renderer, metadata, engine.done_and_status, estimate)


def settings_of(metadata: Mapping[str, Any]) -> dict:
    """The part of an output's metadata that decides its pixels (compared to continue a run)."""
    return as_json_values({key: value for key, value in metadata.items() if key not in VOLATILE_KEYS})


def plan_output(source: FrameSource, output: Path | None, first: Path, tag: str) -> Path | None:
    """Where a clip's result goes (None: a batch written beside its inputs); ``first`` is the first input given."""
    if output is not None:
        return output
    info = source.info
    if info.kind == "video":
        suffix = first.suffix.lower() if first.suffix.lower() in VIDEO_FORMATS else ".mp4"
        return first.with_name(f"{first.stem}_{tag}{suffix}")
    if info.kind == "gif":
        return first.with_name(f"{first.stem}_{tag}{GIF}")
    if info.kind in ("folder", "photos"):  # photos go to a folder beside theirs, never among them
        return first.with_name(f"{first.name.rstrip('/')}_{tag}")
    return None


def is_batch(source: FrameSource, output: Path | None) -> bool:
    """Several separate photos (not one clip): written one by one, by name."""
    return not source.info.is_sequence and (output is None or is_frame_folder(output))


def resume_seed(source: FrameSource, output: Path | None, tag: str, seed: int | None, force: bool) -> int | None:
    """The seed of the run being continued, when none was given (so resuming needs no --seed)."""
    if seed is not None or force:
        return seed
    if is_batch(source, output):
        for path in _batch_outputs(source, output, tag).values():
            if path.is_file():
                stored = read_metadata(path).get("seed")
                if stored is not None:
                    return int(stored)
        return None
    manifest = read_manifest(work_folder(output))
    return None if manifest is None else manifest.get("settings", {}).get("seed")


def _batch_outputs(source: FrameSource, output: Path | None, tag: str) -> dict[Path, Path]:
    outputs: dict[Path, Path] = {}
    for path in source.paths:
        target = output / f"{path.stem}.png" if output is not None else path.with_name(f"{path.stem}_{tag}.png")
        if target in outputs.values():
            raise InvalidArgumentError(f"two inputs would both be written to {target}; rename one of them")
        outputs[path] = target
    return outputs


def check_many(many: ManyRun, source: FrameSource, output: Path | None) -> None:
    """Refuse what cannot work before the backbone is loaded or any frame rendered."""
    if source.info.kind == "photos" and not is_batch(source, output):
        raise click.UsageError(f"{source.info.name} holds separate photos (their sizes or names differ), and {output} "
                               f"is a clip; give -o FOLDER for one picture each, or --folder-is clip to make them one "
                               f"clip")
    if is_batch(source, output):
        if many.clip.temporal.given:
            raise click.UsageError("--temporal, --blend and --frame-iterations apply to clips (a video, a GIF, or a "
                                   "folder of frames), not to separate photos")
        for target in _batch_outputs(source, output, many.tag).values():
            check_writable(target)
    else:
        check_clip_output(output, many.shard, many.force, list(many.inputs))


def _run_batch(many: ManyRun, source: FrameSource, output: Path | None, run: Run, renderer: FrameRenderer,
               metadata: dict, done_and_status: Callable, estimate: Estimate | None) -> None:
    first, stop = many.shard.span(source.info.count)
    outputs = list(_batch_outputs(source, output, many.tag).items())[first:stop]
    todo = []
    for index, (path, target) in enumerate(outputs, start=first):
        check_not_an_input(target, [p for p, _ in outputs])
        if target.is_file() and not many.force:
            if settings_of(read_metadata(target)) != settings_of({**metadata, "input": path.name}):
                raise OutputExistsError(f"{target} exists already (made with other settings); pass --force to "
                                        f"overwrite it, or choose another -o")
            continue  # finished by an earlier run of the same command
        todo.append((index, (path, target)))
    if estimate is not None:
        sizes = [run.fitted_size(*reversed(image_size(path))) for _, (path, _) in todo]
        click.echo(f"{count_of(len(outputs), 'image')}, {len(outputs) - len(todo)} already done: "
                   f"{estimate.batch(sizes)}", err=True)
    if not todo:
        return
    bars = FrameBars(many.quiet, len(todo), done_and_status, unit="image")
    finished = len(outputs) - len(todo)
    try:
        for index, (path, target) in todo:
            picture = run.fit(read_image(path))
            result = renderer(index, picture.batch(), None, bars.engine_bar(path.name))
            write_image(picture.with_rgb(result), target, metadata={**metadata, "input": path.name},
                        inputs=[path], overwrite=True)
            finished += 1
            bars.picture_done()
    except KeyboardInterrupt as interrupt:
        interrupt.add_note(f"kept {count_of(finished, 'finished image')}; {CONTINUES}")
        raise
    finally:
        bars.close()
    if not many.quiet:  # every command ends by saying what it wrote
        where = f"in {output}/" if output is not None else f"beside their inputs (NAME_{many.tag}.png)"
        click.echo(f"wrote {count_of(len(todo), 'image')} {where}", err=True)


def check_clip_output(output: Path, shard: Shard, force: bool, inputs: list[Path]) -> None:
    """Refuse a clip output that cannot work before any frame is rendered."""
    check_not_an_input(output, inputs)
    if is_frame_folder(output):
        check_writable(output, folder=True)
        return
    suffix = output.suffix.lower()
    if suffix in FORMATS:
        raise click.UsageError(f"{output}: a clip's result is a video ({', '.join(VIDEO_FORMATS)}), a {GIF} or a "
                               f"folder of frames, not one {suffix} image")
    if suffix not in VIDEO_FORMATS and suffix != GIF:
        raise InvalidArgumentError(f"{output}: unsupported output {suffix!r}; use {', '.join(VIDEO_FORMATS)}, "
                                   f"{GIF} or a folder")
    if not shard.whole:
        raise click.UsageError(f"--shard writes frames to a folder: give -o FOLDER (every shard may use the same one), "
                               f"then join them with: dreamstyle assemble FOLDER -o {output.name}")
    check_new_file(output, force)
    check_writable(work_folder(output), folder=True)  # its frames go there first


def _run_clip(many: ManyRun, source: FrameSource, output: Path, run: Run, renderer: FrameRenderer,
              metadata: dict, done_and_status: Callable, estimate: Estimate | None) -> None:
    folder = work_folder(output)
    settings = settings_of({**metadata, "temporal": many.temporal.to_dict()})
    job = FrameJob(folder, settings, source.info)
    job.prepare(overwrite=many.force)
    first, stop = many.shard.span(source.info.count)
    done = (stop - first) - sum(1 for index in range(first, stop) if not job.frame_path(index).is_file())
    width, height = source.info.size
    side = run.side_for(height, width)
    if estimate is not None:
        part = "" if many.shard.whole else f" (part {many.shard.index}/{many.shard.count}: frames {first}-{stop - 1})"
        left = estimate.clip(frame_size(source.info, side), stop - first - done, from_first=done == 0 and first == 0)
        click.echo(f"{source.info.count} frames{part}, {done} already done: {left}; frames go to {folder}/"
                   f" (run the same command again to continue after an interruption)", err=True)
    bars = FrameBars(many.quiet, stop - first, done_and_status, initial=done)
    try:
        job.render(source, renderer, side, many.shard, metadata,
                   lambda index: bars.engine_bar(f"frame {index}" if index >= first else f"warm-up {index}"),
                   lambda index, written: bars.picture_done(written))
    except KeyboardInterrupt as interrupt:
        finished = sum(1 for index in range(first, stop) if job.frame_path(index).is_file())
        interrupt.add_note(f"kept {count_of(finished, 'finished frame')} in {folder}/; {CONTINUES}")
        raise
    finally:
        bars.close()
    if many.clip.report:
        click.echo(job.stability(source, side, many.shard).describe(), err=True)
    if not is_frame_folder(output):
        frames, _ = collect_frames([folder])
        note = write_clip(frames, output, many.fps or source.info.fps or DEFAULT_FPS, source.info.audio)
        if note and not many.quiet:
            click.echo(f"note: {note}", err=True)
        if not many.clip.keep_frames:
            shutil.rmtree(folder)
    if not many.quiet:
        click.echo(f"wrote {output}", err=True)
