"""Progress bars for engine callbacks (tqdm, silent with --quiet)."""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Callable, Iterator
from typing import Any

import click
from tqdm import tqdm

from ..deepdream.engine import DreamProgress
from ..imaging import write_image
from ..runs import snapshot
from ..styletransfer.engine import TransferProgress

# Reading a loss waits for the device to finish its queued work, so statuses
# are made only as often as a person can read them, never once per step.
STATUS_INTERVAL = 0.5

Status = Callable[[], str]


def run_total(progress: DreamProgress | TransferProgress) -> int:
    """Steps (a dream's) or iterations (a transfer's) in the whole run a progress event belongs to."""
    return progress.run_total


def dream_done_and_status(progress: DreamProgress) -> tuple[int, Status]:
    """(steps done in the whole run, status text when asked) of a dream step."""
    return progress.run_done, functools.partial(dream_status, progress)


def dream_status(progress: DreamProgress) -> str:
    """The bar's status text; it reads the objective (a device sync)."""
    height, width = progress.size
    tiled = f" tiled {progress.tile}" if progress.tile else ""
    return (f"octave {progress.octave + 1}/{progress.octaves} {width}x{height}{tiled} "
            f"objective {float(progress.objective):.4g}")


def transfer_done_and_status(progress: TransferProgress) -> tuple[int, Status]:
    """(iterations done in the whole run, status text when asked) of a transfer report."""
    return progress.run_done, functools.partial(transfer_status, progress)


def transfer_status(progress: TransferProgress) -> str:
    """The bar's status text; it reads the losses (a device sync)."""
    height, width = progress.size
    temporal = float(progress.temporal)
    photo = 0.0 if progress.photo is None else float(progress.photo)
    return (f"scale {progress.scale + 1}/{progress.scales} {width}x{height} content {float(progress.content):.3g} "
            f"style {float(progress.style):.3g} tv {float(progress.tv):.3g}"
            + (f" temporal {temporal:.3g}" if temporal else "")
            + (f" photo {photo:.3g}" if photo else "")
            + (f" (converged after {progress.iterations_made} iterations)" if progress.converged else ""))


class ProgressBar:
    """A tqdm bar (with ETA) fed by an engine's progress callback.

    Args:
        quiet: print nothing.
        total: steps in the whole run.
        description: the bar's label.
        done_and_status: maps an event to (steps done so far, a function making the
            status text); the status is made at most every STATUS_INTERVAL seconds.
        on_step: also called with every event (for --save-every).
        position, leave: tqdm's, for a bar nested under another (video frames).
        total_of: maps the first event to the total, when it is not known beforehand.
    """

    def __init__(self, quiet: bool, total: int | None, description: str,
                 done_and_status: Callable[[Any], tuple[int, Status]],
                 on_step: Callable[[Any, int], None] | None = None, position: int = 0, leave: bool = True,
                 total_of: Callable[[Any], int] | None = None):
        self.bar = None if quiet else tqdm(total=total, desc=description, unit="step", dynamic_ncols=True, delay=0.2,
                                           position=position, leave=leave)
        self.done_and_status = done_and_status
        self.on_step = on_step
        self.total_of = total_of
        self.status_time = -float("inf")

    def __call__(self, progress: Any) -> None:
        done, status = self.done_and_status(progress)
        if self.bar is not None:
            if self.total_of is not None and self.bar.total is None:
                self.bar.total = self.total_of(progress)
            now = time.monotonic()
            if now - self.status_time >= STATUS_INTERVAL or done >= (self.bar.total or 0):
                self.bar.set_postfix_str(status(), refresh=False)
                self.status_time = now
            self.bar.update(done - self.bar.n)
        if self.on_step is not None:
            self.on_step(progress, done)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


class FrameBars:
    """Progress of many pictures: a bar counting them, over one engine bar for the picture in progress.

    tqdm on stderr, like every bar of the command line, and nothing with ``quiet``.

    Args:
        quiet: print nothing.
        total, initial: pictures to make, and how many of them were made already.
        done_and_status: the engine's progress events, as for :class:`ProgressBar`.
        unit: what is counted (``"frame"``, ``"image"``).
    """

    def __init__(self, quiet: bool, total: int, done_and_status: Callable[[Any], tuple[int, Status]],
                 unit: str = "frame", initial: int = 0):
        self.quiet, self.done_and_status = quiet, done_and_status
        self.pictures = None if quiet else tqdm(total=total, initial=initial, desc=f"{unit}s", unit=unit, position=0,
                                                dynamic_ncols=True)
        self.engine: ProgressBar | None = None

    def engine_bar(self, label: str) -> ProgressBar:
        """A fresh engine bar for the next picture (the last one's is closed)."""
        self._close_engine()
        self.engine = ProgressBar(self.quiet, None, label, self.done_and_status, position=1, leave=False,
                                  total_of=run_total)
        return self.engine

    def picture_done(self, counted: bool = True) -> None:
        """The picture in progress is finished; ``counted`` says whether it is one of the ``total``."""
        self._close_engine()
        if self.pictures is not None and counted:
            self.pictures.update(1)

    def close(self) -> None:
        self._close_engine()
        if self.pictures is not None:
            self.pictures.close()

    def _close_engine(self) -> None:
        if self.engine is not None:
            self.engine.close()
            self.engine = None


class IntermediateSaver:
    """The engine's current image, written beside or as the output: for --save-every N, and on Ctrl-C.

    --save-every N writes it as OUTPUT_stepNNNN.ext each time N more steps
    are done. Engines may report several steps at once (L-BFGS in chunks), so
    it saves whenever the step count crosses into a new multiple of N.

    On Ctrl-C, :meth:`save_interrupted` writes it as the output itself, so
    an interrupted hour of work still leaves its picture.
    """

    def __init__(self, every: int | None, picture, output, metadata: dict, inputs: list):
        self.every, self.picture, self.output = every, picture, output
        self.metadata, self.inputs = metadata, inputs
        self.saved = 0
        self.last: tuple[Any, int] | None = None  # (the latest progress report, steps done then)

    def __call__(self, progress: Any, step: int) -> None:
        self.last = (progress, step)
        if not self.every or step // self.every <= self.saved:
            return
        self.saved = step // self.every
        name = f"{self.output.stem}_step{step:04d}{self.output.suffix}"
        self._write(progress.image, self.output.with_name(name), self.metadata)

    def save_interrupted(self, overwrite: bool) -> int | None:
        """Write the live image as the output, its metadata saying at which step; the step, or None before any."""
        if self.last is None:
            return None
        progress, step = self.last
        # The image is the engine's live tensor: where the optimiser was when
        # interrupted (for L-BFGS possibly a line-search trial near the last point).
        self._write(progress.image, self.output, {**self.metadata, "interrupted_at_step": step}, overwrite)
        return step

    def _write(self, image, path, metadata: dict, overwrite: bool = True) -> None:
        picture_so_far = snapshot(image, (self.picture.height, self.picture.width))
        write_image(self.picture.with_rgb(picture_so_far), path, metadata=metadata, inputs=self.inputs,
                    overwrite=overwrite)


@contextlib.contextmanager
def running(bar: ProgressBar, saver: IntermediateSaver, overwrite: bool) -> Iterator[None]:
    """Around one image's engine run: closes ``bar``; on Ctrl-C or SIGTERM, keeps the picture so far as the output."""
    try:
        yield
    except KeyboardInterrupt as interrupt:
        bar.close()
        step = saver.save_interrupted(overwrite)
        if step is not None:
            click.echo(f"Stopped after {step} steps; the picture so far is in {saver.output}", err=True)
            interrupt.add_note(f"kept the picture so far in {saver.output}")
        raise
    finally:
        bar.close()
