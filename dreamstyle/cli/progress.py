"""Progress bars for engine callbacks (tqdm, silent with --quiet)."""

from __future__ import annotations

from collections.abc import Callable

from tqdm import tqdm

from ..deepdream.engine import DreamProgress


class DreamProgressBar:
    """One tqdm bar over octaves x iterations, with the octave size and objective shown.

    Also calls ``on_step(progress, step_number)`` after every step (for --save-every).
    """

    def __init__(self, quiet: bool, total: int | None = None, description: str = "dream",
                 on_step: Callable[[DreamProgress, int], None] | None = None):
        self.bar = None if quiet else tqdm(total=total, desc=description, unit="step", dynamic_ncols=True)
        self.on_step = on_step
        self.steps = 0

    def __call__(self, progress: DreamProgress) -> None:
        self.steps += 1
        if self.bar is not None:
            height, width = progress.size
            self.bar.set_postfix_str(
                f"octave {progress.octave + 1}/{progress.octaves} {width}x{height}"
                f"{' tiled ' + str(progress.tile) if progress.tile else ''} objective {float(progress.objective):.4g}",
                refresh=False,
            )
            self.bar.update(1)
        if self.on_step is not None:
            self.on_step(progress, self.steps)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
