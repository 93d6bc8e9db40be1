"""Progress bars drawn from the engines' progress events (tqdm, on stderr), for the command line and for
``progress=True`` in the Python API alike.

Every engine reports :class:`EngineProgress`; a bar reads how far the run is
and asks the event for its own status line, so it knows no engine.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Protocol

from tqdm import tqdm

if TYPE_CHECKING:
    import torch

# Reading a loss waits for the device to finish its queued work, so statuses
# are made only as often as a person can read them, never once per step.
STATUS_INTERVAL = 0.5


class EngineProgress(Protocol):
    """What every engine's progress report tells (the dream's, a transfer's, an instant pass's).

    Attributes:
        run_done / run_total: steps done in the whole run (all octaves or scales), and planned.
        iteration / iterations: steps done at the current stage, and planned there.
        size: (H, W) of the current stage.
        image: (N, 3, H, W) the picture so far at this stage (the live tensor: copy it to keep it).
    """

    run_done: int
    run_total: int
    iteration: int
    iterations: int
    size: tuple[int, int]
    image: torch.Tensor

    def stage(self) -> str:
        """Where in its schedule the run is, in words: ``"octave 2 of 4"``, ``"scale 1 of 3"``."""

    def losses(self) -> dict[str, float]:
        """Its losses by name (reading them synchronises with the device: only to show them)."""

    def status(self) -> str:
        """A progress bar's status text (reads the losses)."""


class ProgressBar:
    """A tqdm bar (with ETA) fed by an engine's progress callback.

    Args:
        quiet: print nothing.
        total: steps in the whole run, or None to take the first event's ``run_total``.
        description: the bar's label.
        on_step: also called with every event and the steps done (for --save-every).
        position, leave: tqdm's, for a bar nested under another (video frames).
        delay: seconds before the bar first shows (a run shorter than that shows none).
        done_of: the steps an event has done, when they are not its ``run_done`` (an atlas counts its batches'
            steps one after the other).

    The status text is made at most every STATUS_INTERVAL seconds.
    """

    def __init__(self, quiet: bool, total: int | None, description: str,
                 on_step: Callable[[Any, int], None] | None = None, position: int = 0, leave: bool = True,
                 delay: float = 0.2, done_of: Callable[[EngineProgress], int] | None = None):
        self.bar = None if quiet else tqdm(total=total, desc=description, unit="step", dynamic_ncols=True,
                                           delay=delay, position=position, leave=leave)
        self.on_step = on_step
        self.done_of = done_of
        self.status_time = -float("inf")

    def __call__(self, progress: EngineProgress) -> None:
        done = progress.run_done if self.done_of is None else self.done_of(progress)
        if self.bar is not None:
            if self.bar.total is None:
                self.bar.total = progress.run_total
            now = time.monotonic()
            if now - self.status_time >= STATUS_INTERVAL or done >= (self.bar.total or 0):
                self.bar.set_postfix_str(progress.status(), refresh=False)
                self.status_time = now
            self.bar.update(done - self.bar.n)
        if self.on_step is not None:
            self.on_step(progress, done)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


@contextlib.contextmanager
def shown(callback: Callable[[Any], None] | None, show: bool, description: str
          ) -> Iterator[Callable[[Any], None] | None]:
    """``callback``, with a :class:`ProgressBar` drawn from the same events when ``show``; the bar is closed
    when the ``with`` block ends, however it ends."""
    if not show:
        yield callback
        return
    bar = ProgressBar(False, None, description, delay=0)  # asked for: shown

    def both(progress: EngineProgress) -> None:
        bar(progress)
        if callback is not None:
            callback(progress)

    try:
        yield both
    finally:
        bar.close()
