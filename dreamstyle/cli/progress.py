"""The command line's progress: bars over many pictures, --save-every and the picture kept on Ctrl-C (the
engine bar itself is :mod:`dreamstyle.progress`'s, shared with the Python API)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from tqdm import tqdm

from ..imaging import write_image
from ..progress import ProgressBar
from ..runs import snapshot


class FrameBars:
    """Progress of many pictures: a bar counting them, over one engine bar for the picture in progress.

    tqdm on stderr, like every bar of the command line, and nothing with ``quiet``.

    Args:
        quiet: print nothing.
        total, initial: pictures to make, and how many of them were made already.
        unit: what is counted (``"frame"``, ``"image"``).
    """

    def __init__(self, quiet: bool, total: int, unit: str = "frame", initial: int = 0):
        self.quiet = quiet
        self.pictures = None if quiet else tqdm(total=total, initial=initial, desc=f"{unit}s", unit=unit, position=0,
                                                dynamic_ncols=True)
        self.engine: ProgressBar | None = None

    def engine_bar(self, label: str) -> ProgressBar:
        """A fresh engine bar for the next picture (the last one's is closed)."""
        self._close_engine()
        self.engine = ProgressBar(self.quiet, None, label, position=1, leave=False)
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
        if saver.save_interrupted(overwrite) is not None:  # said once, by the command's last line
            interrupt.add_note(f"kept the picture so far in {saver.output}")
        raise
    finally:
        bar.close()
