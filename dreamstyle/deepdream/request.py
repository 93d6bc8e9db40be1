"""A dream as asked for, read once, and the same run ready to start: for the API, the CLI, clips and the studio.

Every front end builds one :class:`DreamRequest` from what it was given and
prepares it on a backbone; the prepared run (a
:class:`~dreamstyle.engines.PreparedRun`) makes a still
(:func:`~dreamstyle.runs.render_still`) or a clip's frame renderer
(:mod:`dreamstyle.video.render`), says what either costs, and every output it
makes carries the same :meth:`PreparedDream.metadata`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import torch

from ..backbone import VGGFeatures
from ..errors import InvalidArgumentError, Setting
from ..estimate import Cost
from ..imaging.mask import MaskLike
from ..imaging.read import ImageLike, as_picture
from ..masks import DreamMask
from ..runs import EngineRequest, Run, RunRequest, file_name, like_metadata
from ..video.config import DREAM_TEMPORAL, TemporalConfig
from ..video.temporal import FrameRenderer
from .clip import dream_renderer, later_dream_config
from .engine import dream_cost, dream_tensor


@dataclass(frozen=True)
class DreamRequest(EngineRequest):
    """A dream's settings and the images besides the photo, read and checked, before any backbone.

    Attributes:
        run: where the settings start (see :class:`~dreamstyle.runs.RunRequest`).
        guide: the guide image as a (1, 3, h, w) batch in [0, 1], or None.
        guide_name: what the metadata calls the guide (its file's name).
        masks: where the dream may add detail, for each frame.
        files: the files the run reads besides the photo (never written over).
    """

    command: ClassVar[str] = "dream"

    run: RunRequest = field(default_factory=RunRequest)
    guide: torch.Tensor | None = None
    guide_name: str | None = None
    masks: DreamMask = field(default_factory=lambda: DreamMask(None))
    files: tuple[Path, ...] = ()

    @classmethod
    def of(cls, *, preset: str | os.PathLike | None = None, like: str | os.PathLike | Mapping[str, Any] | None = None,
           size: int | None = None, seed: int | None = None, guide: ImageLike | None = None,
           mask: MaskLike | None = None, frames: int | None = None, still: bool = False,
           **settings: Any) -> "DreamRequest":
        """A request from the Python API's arguments (see :func:`dreamstyle.dream`).

        ``frames``: a clip's frame count, if known, that a folder of masks must cover; ``still``: one picture,
        which refuses a folder of masks.
        """
        run = RunRequest(preset, like_metadata(like, cls.command), size, seed, settings)
        return cls.with_images(run, guide=guide, mask=mask, frames=frames, still=still, read=(like,))

    @classmethod
    def with_images(cls, run: RunRequest, *, guide: ImageLike | None = None, mask: MaskLike | None = None,
                    frames: int | None = None, still: bool = False, read: Sequence[object] = ()) -> "DreamRequest":
        """The request of ``run`` (settings already in one shape) with its guide and mask read; ``read``: other
        files the settings came from (an earlier output), never written over."""
        masks = DreamMask(mask, frames, still=still)
        named = (guide, *read)
        files = [Path(path) for path in named if isinstance(path, (str, os.PathLike))] + masks.files()
        return cls(run, None if guide is None else as_picture(guide).batch(), file_name(guide), masks, tuple(files))

    @classmethod
    def of_files(cls, styles: Sequence[Path], masks: Sequence[Path], run: RunRequest, *, frames: int | None = None,
                 still: bool = False) -> "DreamRequest":
        """A request from files a front end holds (the studio's): see :meth:`check_files`."""
        cls.check_files(styles, masks)
        return cls.with_images(run, mask=masks[0] if masks else None, frames=frames, still=still)

    @staticmethod
    def check_files(styles: Sequence[Path], masks: Sequence[Path]) -> None:
        """Refuse, naming the field, style images (a dream takes none) and more than one mask (before reading any)."""
        if styles:
            raise InvalidArgumentError(Setting("styles"), ": a dream takes no style images")
        if len(masks) > 1:
            raise InvalidArgumentError(Setting("masks"), f": a dream takes one mask (1), got {len(masks)}")

    def check(self, run: Run, size: tuple[int, int] | None = None) -> None:
        if size is not None:
            self.masks(0, size)


@dataclass(frozen=True)
class PreparedDream:
    """A dream ready to start: its request, resolved settings and backbone (a :class:`~dreamstyle.engines.PreparedRun`)."""

    request: DreamRequest
    run: Run
    net: VGGFeatures

    def metadata(self, **extra: Any) -> dict[str, Any]:
        return self.run.metadata(self.net, guide=self.request.guide_name, **self.request.masks.metadata(), **extra)

    def still(self, batch: torch.Tensor, callback: Callable[[Any], None] | None) -> torch.Tensor:
        mask = self.request.masks(0, tuple(batch.shape[-2:]))
        return dream_tensor(self.net, batch, self.run.config, seed=self.run.seed, guide=self.request.guide,
                            callback=callback, mask=mask)

    def cost(self, height: int, width: int) -> Cost:
        return dream_cost(self.net, height, width, self.run.config)

    def later_cost(self, height: int, width: int, temporal: TemporalConfig) -> Cost:
        return dream_cost(self.net, height, width, later_dream_config(self.run.config, temporal))

    def renderer(self, temporal: TemporalConfig) -> FrameRenderer:
        return dream_renderer(self.net, self.run.config, temporal, seed=self.run.seed, guide=self.request.guide,
                              masks=self.request.masks)

    @property
    def temporal_defaults(self) -> TemporalConfig:
        return DREAM_TEMPORAL

    def preview(self) -> None:
        return None  # a dream's first steps show at once
