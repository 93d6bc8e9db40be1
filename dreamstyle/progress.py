"""Progress bars drawn from the engines' progress events (tqdm, on stderr), for the command line and for
``progress=True`` in the Python API alike."""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from tqdm import tqdm

if TYPE_CHECKING:
    from .deepdream.engine import DreamProgress
    from .styletransfer.engine import TransferProgress

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
    if progress.engine == "instant":
        return f"instant pass {width}x{height}"
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
        delay: seconds before the bar first shows (a run shorter than that shows none).
    """

    def __init__(self, quiet: bool, total: int | None, description: str,
                 done_and_status: Callable[[Any], tuple[int, Status]],
                 on_step: Callable[[Any, int], None] | None = None, position: int = 0, leave: bool = True,
                 total_of: Callable[[Any], int] | None = None, delay: float = 0.2):
        self.bar = None if quiet else tqdm(total=total, desc=description, unit="step", dynamic_ncols=True,
                                           delay=delay, position=position, leave=leave)
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



@contextlib.contextmanager
def shown(callback: Callable[[Any], None] | None, show: bool, description: str,
          done_and_status: Callable[[Any], tuple[int, Status]]) -> Iterator[Callable[[Any], None] | None]:
    """``callback``, with a :class:`ProgressBar` drawn from the same events when ``show``; the bar is closed
    when the ``with`` block ends, however it ends."""
    if not show:
        yield callback
        return
    bar = ProgressBar(False, None, description, done_and_status, total_of=run_total, delay=0)  # asked for: shown

    def both(progress: Any) -> None:
        bar(progress)
        if callback is not None:
            callback(progress)

    try:
        yield both
    finally:
        bar.close()
