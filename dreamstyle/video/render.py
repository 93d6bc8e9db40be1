"""Many pictures from one request: a batch of separate photos, or a clip frame by frame, for every front end.

:func:`render` owns the whole run: where the results go, the seed of the run it
continues, every check before the backbone loads, the frame loop with its
temporal terms, resume and shards, and the writer. It tells its caller how
far it is through events (:class:`Planned`, :class:`PictureStarted`,
:class:`Step`, :class:`PictureDone`): the command line draws bars from them,
the studio sends them to the page. A callback that raises
:class:`~dreamstyle.runs.RunStopped` (or Ctrl-C) ends the run; every finished
picture stays written, and the same call continues from them.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from ..backbone import BackboneChoice, VGGFeatures
from ..engines import PreparedRun
from ..errors import Assignment, InvalidArgumentError, OutputExistsError, Setting
from ..imaging import read_image, read_metadata, write_image
from ..imaging.read import image_size
from ..imaging.write import FORMATS, check_new_file, check_not_an_input, check_writable
from ..runs import EngineRequest
from .config import DEFAULT_FPS, Delivery, TemporalConfig
from .encode import VIDEO_FORMATS
from .job import FrameJob, as_json_values, collect_frames, read_manifest, work_folder, write_clip
from .sinks import GIF, is_frame_folder
from .sources import FrameSource
from .stability import Stability

# Settings that may differ between a run and the one it continues (they change
# how a frame is computed, not what it should be) or that name one file.
VOLATILE_KEYS = ("dreamstyle", "device", "precision", "input", "frame")


@dataclass(frozen=True)
class Planned:
    """Every check passed and the backbone is loaded; nothing is rendered yet.

    Attributes:
        prepared: the run.
        output: where the results go (None: a batch beside its inputs).
        folder: a clip's frames folder (None for a batch).
        span: the pictures of this shard, [first, stop).
        done: how many of them an earlier run finished.
        sizes: (H, W) of each picture left to make.
    """

    prepared: PreparedRun
    output: Path | None
    folder: Path | None
    span: tuple[int, int]
    done: int
    sizes: tuple[tuple[int, int], ...]

    @property
    def batch(self) -> bool:
        return self.folder is None

    @property
    def total(self) -> int:
        return self.span[1] - self.span[0]


@dataclass(frozen=True)
class PictureStarted:
    """A picture begins: ``label`` names it (a photo's file name, ``frame 7``, ``warm-up 2``); ``counted``: one of
    :attr:`Planned.total` (a shard's warm-up frames are not)."""

    index: int
    label: str
    counted: bool


@dataclass(frozen=True)
class Step:
    """The engine's progress report on picture ``index`` (``progress.image`` is the picture so far)."""

    index: int
    progress: Any


@dataclass(frozen=True)
class PictureDone:
    """A picture is finished: ``image`` (1, 3, H, W) in [0, 1], written at ``path`` (None: a warm-up frame)."""

    index: int
    counted: bool
    image: torch.Tensor
    path: Path | None


Event = Planned | PictureStarted | Step | PictureDone


@dataclass(frozen=True)
class Rendered:
    """What a finished :func:`render` wrote.

    Attributes:
        output: the clip, the folder, or None for a batch beside its inputs.
        written: pictures written by this run.
        note: what the encoder adjusted (empty, or a sentence for the user).
        stability: the clip's warping error, when :attr:`Delivery.report` asked for it.
    """

    output: Path | None
    written: int
    note: str = ""
    stability: Stability | None = None


def planned_output(source: FrameSource, output: Path | None, first: Path, tag: str) -> Path | None:
    """Where a clip's or batch's results go (None: a batch written beside its inputs); ``first``: the first
    input given."""
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


def settings_of(metadata: Mapping[str, Any]) -> dict:
    """The part of an output's metadata that decides its pixels (compared to continue a run)."""
    return as_json_values({key: value for key, value in metadata.items() if key not in VOLATILE_KEYS})


def batch_outputs(source: FrameSource, output: Path | None, tag: str) -> dict[Path, Path]:
    """Each photo of a batch and the file its result goes to."""
    outputs: dict[Path, Path] = {}
    for path in source.paths:
        target = output / f"{path.stem}.png" if output is not None else path.with_name(f"{path.stem}_{tag}.png")
        if target in outputs.values():
            raise InvalidArgumentError(f"two inputs would both be written to {target}; rename one of them")
        outputs[path] = target
    return outputs


def earlier_seed(source: FrameSource, output: Path | None, tag: str) -> int | None:
    """The seed of the run that left results at ``output`` (so continuing one needs no seed), or None."""
    if is_batch(source, output):
        for path in batch_outputs(source, output, tag).values():
            if path.is_file():
                stored = read_metadata(path).get("seed")
                if stored is not None:
                    return int(stored)
        return None
    manifest = read_manifest(work_folder(output))
    return None if manifest is None else manifest.get("settings", {}).get("seed")


def check_destination(source: FrameSource, output: Path | None, delivery: Delivery, inputs: Sequence[Path],
                      temporal_given: bool) -> None:
    """Refuse results that cannot be written, before the backbone is loaded or any picture rendered."""
    if source.info.kind == "photos" and not is_batch(source, output):
        raise InvalidArgumentError(
            f"{source.info.name} holds separate photos (their sizes or names differ), and {output} is a clip; give "
            "a folder as the output for one picture each, or ", Assignment("folder_is", "clip"), " to make them "
            "one clip", setting="folder_is")
    if is_batch(source, output):
        if temporal_given:
            raise InvalidArgumentError("temporal settings apply to clips (a video, a GIF, or a folder of frames), "
                                       "not to separate photos", setting="temporal")
        for target in batch_outputs(source, output, delivery.tag).values():
            check_writable(target)
        return
    check_not_an_input(output, inputs)
    if is_frame_folder(output):
        check_writable(output, folder=True)
        return
    suffix = output.suffix.lower()
    if suffix in FORMATS:
        raise InvalidArgumentError(f"{output}: a clip's result is a video ({', '.join(VIDEO_FORMATS)}), a {GIF} or "
                                   f"a folder of frames, not one {suffix} image", setting="output")
    if suffix not in VIDEO_FORMATS and suffix != GIF:
        raise InvalidArgumentError(f"{output}: unsupported output {suffix!r}; use {', '.join(VIDEO_FORMATS)}, "
                                   f"{GIF} or a folder", setting="output")
    if not delivery.shard.whole:
        raise InvalidArgumentError(Setting("shard"), " writes frames to a folder: give a folder as the output "
                                   "(every shard may use the same one), then join them with: dreamstyle assemble "
                                   f"FOLDER -o {output.name}")
    check_new_file(output, delivery.overwrite)
    check_writable(work_folder(output), folder=True)  # its frames go there first


def render(request: EngineRequest, source: FrameSource, delivery: Delivery, *, inputs: Sequence[Path] = (),
           temporal: TemporalConfig | None = None, backbone: VGGFeatures | BackboneChoice | None = None,
           events: Callable[[Event], None] | None = None) -> Rendered:
    """Render a batch of separate photos, or a clip frame by frame, and write the results.

    Args:
        request: the run (a :class:`~dreamstyle.deepdream.request.DreamRequest` or
            :class:`~dreamstyle.transfer_request.TransferRequest`, with ``frames`` set to the source's count).
        source: the pictures.
        delivery: where the results go, and how.
        inputs: the files the source was named by (never written over); the first names default outputs.
        temporal: how a clip's frames build on each other; None: the run's defaults (a batch refuses any).
        backbone: a loaded backbone, or which to load (default: ``like``'s, else VGG19).
        events: told of the run's progress; it may raise :class:`~dreamstyle.runs.RunStopped` to end it.

    Raises:
        InvalidArgumentError, OutputExistsError: before any work, for results that cannot be written or settings
            that do not match the results an earlier run left.
    """
    output = planned_output(source, delivery.output, inputs[0] if inputs else Path(source.info.name), delivery.tag)
    if request.run.seed is None and not delivery.overwrite:
        request = request.with_run(seed=earlier_seed(source, output, delivery.tag))
    run = request.resolve()
    request.check(run)
    check_destination(source, output, delivery, [*inputs, *request.files], temporal is not None)
    prepared = request.prepare(backbone, run)
    temporal = temporal or prepared.temporal_defaults
    emit = events or (lambda event: None)
    if is_batch(source, output):
        return _render_batch(prepared, source, output, delivery, temporal, emit)
    return _render_clip(prepared, source, output, delivery, temporal, emit)


def _steps_of(emit: Callable[[Event], None], index: int, label: str, counted: bool) -> Callable[[Any], None]:
    """Tell that picture ``index`` begins; the engine callback that tells its steps."""
    emit(PictureStarted(index, label, counted))
    return lambda progress: emit(Step(index, progress))


def _render_batch(prepared: PreparedRun, source: FrameSource, output: Path | None, delivery: Delivery,
                  temporal: TemporalConfig, emit: Callable[[Event], None]) -> Rendered:
    metadata = prepared.metadata(**delivery.notes)
    first, stop = delivery.shard.span(source.info.count)
    outputs = list(batch_outputs(source, output, delivery.tag).items())[first:stop]
    todo = []
    for index, (path, target) in enumerate(outputs, start=first):
        check_not_an_input(target, [path for path, _ in outputs])
        if target.is_file() and not delivery.overwrite:
            if settings_of(read_metadata(target)) != settings_of({**metadata, "input": path.name}):
                raise OutputExistsError(f"{target} exists already (made with other settings); pass ",
                                        Assignment("overwrite", True), " to overwrite it, or choose another output")
            continue  # finished by an earlier run of the same request
        todo.append((index, path, target))
    sizes = tuple(prepared.run.fitted_size(*reversed(image_size(path))) for _, path, _ in todo)
    emit(Planned(prepared, output, None, (first, stop), len(outputs) - len(todo), sizes))
    renderer = prepared.renderer(temporal)
    for index, path, target in todo:
        picture = prepared.run.fit(read_image(path))
        result = renderer(index, picture.batch(), None, _steps_of(emit, index, path.name, True))
        write_image(picture.with_rgb(result), target, metadata={**metadata, "input": path.name}, inputs=[path],
                    overwrite=True)
        emit(PictureDone(index, True, result.detach().float().cpu(), target))
    return Rendered(output, len(todo))


def _render_clip(prepared: PreparedRun, source: FrameSource, output: Path, delivery: Delivery,
                 temporal: TemporalConfig, emit: Callable[[Event], None]) -> Rendered:
    folder = work_folder(output)
    metadata = prepared.metadata(**delivery.notes)
    job = FrameJob(folder, settings_of({**metadata, "temporal": temporal.to_dict()}), source.info)
    job.prepare(overwrite=delivery.overwrite)
    first, stop = delivery.shard.span(source.info.count)
    done = sum(1 for index in range(first, stop) if job.frame_path(index).is_file())
    width, height = source.info.size
    hw = prepared.run.fitted_size(height, width)
    left = (hw,) * (stop - first - done)
    emit(Planned(prepared, output, folder, (first, stop), done, left))

    def steps(index: int) -> Callable[[Any], None]:
        return _steps_of(emit, index, f"frame {index}" if index >= first else f"warm-up {index}", index >= first)

    def finished(index: int, kept: bool, image: torch.Tensor) -> None:
        emit(PictureDone(index, kept, image, job.frame_path(index) if kept else None))

    written = job.render(source, prepared.renderer(temporal), hw, delivery.shard, metadata, steps, finished)
    stability = job.stability(source, hw, delivery.shard) if delivery.report else None
    note = ""
    if not is_frame_folder(output):
        frames, _ = collect_frames([folder])
        note = write_clip(frames, output, delivery.fps or source.info.fps or DEFAULT_FPS, source.info.audio)
        if not delivery.keep_frames:
            shutil.rmtree(folder)
    return Rendered(output, written, note, stability)
