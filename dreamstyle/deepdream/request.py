"""A dream as asked for, read once, and the same run ready to start: for the API, the CLI, clips and the studio.

Every front end builds one :class:`DreamRequest` from what it was given and
prepares it on a backbone; the prepared run makes a still
(:func:`~dreamstyle.runs.render_still`) or a clip's frame renderer
(:mod:`dreamstyle.video.render`), and every output it makes carries the same
:meth:`PreparedDream.metadata`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from ..backbone import BackboneChoice, VGGFeatures, backbone_of
from ..imaging.mask import MaskLike
from ..imaging.read import ImageLike, as_picture
from ..masks import DreamMask
from ..progress import Status, dream_done_and_status
from ..runs import EngineRequest, Run, RunRequest, file_name
from .engine import check_config, dream_tensor
from .run import like_dream, resolve_run


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
        masks = DreamMask(mask, frames, still=still)
        files = [Path(path) for path in (guide, like) if isinstance(path, (str, os.PathLike))] + masks.files()
        return cls(RunRequest(preset, like_dream(like), size, seed, settings),
                   None if guide is None else as_picture(guide).batch(), file_name(guide), masks, tuple(files))

    def resolve(self) -> Run:
        """The settings, resolved (this checks every value; it loads nothing)."""
        return resolve_run(**self.run.arguments())

    def check(self, run: Run, size: tuple[int, int] | None = None) -> None:
        """Refuse what ``run`` cannot do before the backbone loads: with the picture's (H, W) ``size``, a mask of
        another shape."""
        if size is not None:
            self.masks(0, size)

    def prepare(self, backbone: VGGFeatures | BackboneChoice | None = None, run: Run | None = None
                ) -> "PreparedDream":
        """The run on its backbone (``backbone``: a loaded one, or which to load; default: ``like``'s, else
        VGG19), with its layers and channels checked. ``run``: the settings if resolved already."""
        run = run or self.resolve()
        net = backbone_of(backbone, self.run.like)
        check_config(net, run.config)
        return PreparedDream(self, run, net)


@dataclass(frozen=True)
class PreparedDream:
    """A dream ready to start: its request, resolved settings and backbone (a :class:`~dreamstyle.runs.Prepared`)."""

    request: DreamRequest
    run: Run
    net: VGGFeatures

    def metadata(self, **extra: Any) -> dict[str, Any]:
        return self.run.metadata(self.net, guide=self.request.guide_name, **self.request.masks.metadata(), **extra)

    def still(self, batch: torch.Tensor, callback: Callable[[Any], None] | None) -> torch.Tensor:
        mask = self.request.masks(0, tuple(batch.shape[-2:]))
        return dream_tensor(self.net, batch, self.run.config, seed=self.run.seed, guide=self.request.guide,
                            callback=callback, mask=mask)

    def done_and_status(self, progress: Any) -> tuple[int, Status]:
        return dream_done_and_status(progress)
