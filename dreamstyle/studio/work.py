"""What each kind of studio job asks of the Python API, and where its results go.

Every job runs in the studio's process on its one backbone, through the
library's own front doors: a still through
:func:`~dreamstyle.runs.render_still`, a clip through
:func:`~dreamstyle.video.render.render` (which keeps its finished frames when
stopped and continues from them exactly as the command line does), an atlas
through :func:`~dreamstyle.deepdream.atlas`.
"""

from __future__ import annotations

import resource
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from ..backbone import VGGFeatures
from ..deepdream import atlas, atlas_config, atlas_steps
from ..engines import COMMANDS, PreparedRun
from ..errors import WeightsUnavailableError
from ..estimate import Cost
from ..imaging import save
from ..imaging.read import image_size
from ..imaging.sheet import contact_sheet
from ..imaging.write import write_atomically
from ..progress import EngineProgress
from ..runs import EngineRequest, RunRequest, RunStopped, render_still
from ..video.config import Delivery
from ..video.job import work_folder
from ..video.render import Event, PictureDone, Planned, Step, render
from ..video.sources import open_source
from .jobs import JobControl
from .workspace import Workspace


def memory_in_use(device: torch.device) -> int:
    """Bytes: the device's allocated memory on CUDA, else the process's peak resident memory."""
    if device.type == "cuda":
        return int(torch.cuda.memory_allocated(device))
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def pace(done: int, total: int, started: float, cost: Cost | None = None) -> dict[str, Any]:
    """Steps done and planned, steps per second and seconds left (None until known).

    With ``cost`` (see :meth:`~dreamstyle.estimate.Cost.share_done`), the seconds left count later octaves and
    scales as the larger pictures they are; without it, every step as the same.
    """
    elapsed = time.monotonic() - started
    rate = done / elapsed if done and elapsed > 0 else None
    share = cost.share_done(done) if cost else (done / total if total else 0.0)
    return {"done": done, "total": total, "rate": rate,
            "eta": elapsed * (1 - share) / share if rate and share > 0 else None}


def engine_progress(progress: EngineProgress, started: float, device: torch.device, cost: Cost | None = None
                    ) -> dict[str, Any]:
    """What the page shows of an engine's progress report (it reads the losses: a device sync)."""
    height, width = progress.size
    return {"stage": progress.stage(), "iteration": f"{progress.iteration} of {progress.iterations}",
            "size": f"{width}x{height}", "losses": progress.losses(), "memory": memory_in_use(device),
            **pace(progress.run_done, progress.run_total, started, cost)}


def studio_files(workspace: Workspace, input: Path, styles: tuple[Path, ...], masks: list[Path]) -> dict[str, Any]:
    """Where a result's photo or clip, styles and masks are, as the page names them, kept in the result's
    metadata so that "like this one" can load them again."""
    return {"input": workspace.relative(input), "styles": [workspace.relative(style) for style in styles],
            "masks": [path.name for path in masks]}


def run_label(run: RunRequest) -> str:
    """How the queue names a job's settings: ``"classic, 512 px"``."""
    return f"{run.preset or 'default preset'}, {f'{run.size} px' if run.size else 'its own size'}"


@dataclass(frozen=True)
class StillWork:
    """One picture of a command (dream or transfer), whichever engine its settings choose.

    Attributes:
        kind: the command: ``"dream"`` or ``"transfer"``.
        input: the photo.
        settings: the settings the page chose (not yet resolved).
        styles: the style images (transfer only).
        masks: none, or one per style (the dream's one mask): where each applies.
    """

    kind: str
    input: Path
    workspace: Workspace
    backbone: Callable[[], VGGFeatures]
    settings: RunRequest
    styles: tuple[Path, ...] = ()
    masks: tuple[Path, ...] = ()

    @property
    def title(self) -> str:
        styles = f" in the style of {', '.join(style.name for style in self.styles)}" if self.styles else ""
        return f"{self.kind} {self.input.name}{styles} ({run_label(self.settings)})"

    def request(self) -> EngineRequest:
        """The run, as the page chose it."""
        return COMMANDS[self.kind].request_type().of_files(self.styles, self.masks, self.settings, still=True)

    def planned_cost(self, prepared: PreparedRun) -> Cost:
        """What the run will make, stage by stage, for its time left."""
        width, height = image_size(self.input)  # the header: an EXIF turn swaps the sides, not the pixels
        return prepared.cost(*prepared.run.fitted_size(height, width))

    def _preview(self, prepared: PreparedRun, control: JobControl, started: float) -> None:
        """A slow run's first picture in about a second (a Gatys transfer's: the instant engine's), on the stage
        while the run starts."""
        preview = prepared.preview()
        if preview is None:
            return
        try:
            picture = render_still(preview, self.input)
        except WeightsUnavailableError:
            return  # the run needs no preview's weights, so neither does its preview
        control.report({"stage": "instant preview", "elapsed": round(time.monotonic() - started, 1)}, picture)

    def run(self, control: JobControl) -> dict[str, Any]:
        prepared = self.request().prepare(self.backbone())
        started = time.monotonic()
        last: list[Any] = []  # the newest report, so the end shows where the run really ended
        cost = self.planned_cost(prepared)
        device = prepared.net.device

        def callback(progress: EngineProgress) -> None:
            control.check()
            last[:] = [progress]
            if control.due():
                control.report(engine_progress(progress, started, device, cost), progress.image)

        self._preview(prepared, control, started)
        output = self.workspace.new_output(self.input.stem, self.kind)
        beside = [output.with_name(f"{output.stem}_mask{index + 1}.png") for index in range(len(self.masks))]
        result = render_still(prepared, self.input, callback, input=self.input.name,
                              studio=studio_files(self.workspace, self.input, self.styles, beside))
        for mask, path in zip(self.masks, beside):
            write_atomically(path, mask.read_bytes())
        save(result, output)
        stopped_at = result.info["dreamstyle"].get("interrupted_at_step")
        final = engine_progress(last[0], started, device, cost) if last else control.job.progress
        control.report({**final, "stage": "stopped" if stopped_at is not None else "done"}, result)
        return {"output": self.workspace.relative(output), "stopped_at": stopped_at}


@dataclass(frozen=True)
class AtlasWork:
    """A layer's channel atlas: one small dream per channel, laid out as a sheet the page can click on."""

    layer: str
    channels: tuple[int, ...]
    workspace: Workspace
    backbone: Callable[[], VGGFeatures]
    tile: int = 96
    seed: int | None = None
    settings: Mapping[str, Any] = field(default_factory=dict)
    kind: str = "atlas"

    @property
    def title(self) -> str:
        return f"atlas of {self.layer}, {len(self.channels)} channels ({self.tile} px tiles)"

    def run(self, control: JobControl) -> dict[str, Any]:
        net = self.backbone()
        started = time.monotonic()
        total = atlas_steps(net, atlas_config(self.layer, **self.settings), len(self.channels), self.tile)
        labels = [f"{self.layer}:{channel}" for channel in self.channels]
        done, first, previous = 0, 0, None  # steps so far; the first tile of the batch at hand; its last report

        def callback(progress: EngineProgress) -> None:
            nonlocal done, first, previous
            control.check()
            if previous is not None and progress.run_done < previous.run_done:  # the next batch of tiles began
                first += previous.image.shape[0]
            done, previous = done + 1, progress
            if control.due():
                batch = progress.image.detach().float().cpu().clamp(0, 1)
                sheet = contact_sheet(batch, labels[first:first + batch.shape[0]], tile_size=self.tile)
                control.report({"stage": progress.stage(),
                                "memory": memory_in_use(net.device), **pace(done, total, started)}, sheet)

        sheet = atlas(self.layer, list(self.channels), size=self.tile, seed=self.seed, backbone=net,
                      callback=callback, **self.settings)
        output = self.workspace.new_output(f"atlas_{self.layer}", "channels")
        save(sheet, output)
        settings = sheet.info["dreamstyle"]
        stopped = control.stopping or len(settings["channels"]) < len(self.channels)
        control.report({**pace(done if stopped else total, total, started),
                        "stage": "stopped" if stopped else "done"}, sheet)
        return {"output": self.workspace.relative(output), "layer": self.layer, "channels": settings["channels"],
                "sheet": settings["sheet"]}


class ClipProgress:
    """A clip's render events as the page shows them: the frame in hand and its engine's progress, frames per
    second and the time left, and the newest picture as the preview."""

    def __init__(self, control: JobControl, device: torch.device, frames: int):
        self.control, self.device, self.frames = control, device, frames
        self.started = time.monotonic()
        self.done = self.left = 0  # frames finished (by any run), and left when this run began

    def __call__(self, event: Event) -> None:
        self.control.check()
        if isinstance(event, Planned):
            self.done, self.left = event.done, len(event.sizes)
            self.control.report(self._frames(f"frame {self.done + 1} of {self.frames}"))
        elif isinstance(event, Step) and self.control.due():
            engine = engine_progress(event.progress, self.started, self.device)
            stage = f"frame {event.index + 1} of {self.frames}, {engine['stage']}"
            self.control.report({**engine, **self._frames(stage)}, event.progress.image)
        elif isinstance(event, PictureDone) and event.counted:
            self.done += 1
            self.control.report(self._frames(f"frame {self.done} of {self.frames} done"), event.image)

    def _frames(self, stage: str) -> dict[str, Any]:
        finished = self.done - (self.frames - self.left)  # by this run
        return {**pace(max(finished, 0), self.left, self.started), "stage": stage, "done": self.done,
                "total": self.frames, "memory": memory_in_use(self.device)}


@dataclass(frozen=True)
class ClipWork:
    """A clip (a video or a folder of frames on disk) dreamed or painted frame by frame, in the studio's process.

    Its frames are written as they finish, so a stopped clip keeps them; the same clip with the same settings goes
    to the same output, so submitting it again continues from them.
    """

    command: str
    input: Path
    output: Path
    frames: int
    workspace: Workspace
    backbone: Callable[[], VGGFeatures]
    settings: RunRequest
    styles: tuple[Path, ...] = ()
    kind: str = "clip"

    @property
    def title(self) -> str:
        return f"{self.command} clip {self.input.name} ({self.frames} frames, {run_label(self.settings)})"

    def request(self, frames: int | None = None) -> EngineRequest:
        """The run of each frame, as the page chose it (``frames``: the clip's count, which a folder of masks
        must cover)."""
        return COMMANDS[self.command].request_type().of_files(self.styles, (), self.settings, frames=frames)

    def run(self, control: JobControl) -> dict[str, Any]:
        net = self.backbone()
        source = open_source([self.input], folder_is="clip" if self.input.is_dir() else None)
        notes = {"studio": studio_files(self.workspace, self.input, self.styles, [])}
        try:
            render(self.request(source.info.count), source, Delivery(output=self.output, tag=self.command, notes=notes),
                   inputs=(self.input,), backbone=net, events=ClipProgress(control, net.device, self.frames))
        except RunStopped:
            return {"output": None, "frames_folder": self.workspace.relative(work_folder(self.output))}
        control.report({**control.job.progress, "stage": "done", "done": self.frames, "total": self.frames})
        return {"output": self.workspace.relative(self.output)}
