"""A transfer as asked for (its styles, masks and start image), read once, for whichever style engine runs it.

As :mod:`dreamstyle.deepdream.request`: one :class:`TransferRequest` per run,
for the API, the CLI, clips and the studio, prepared on a backbone by the
engine its settings choose (:data:`~dreamstyle.engines.ENGINES`: Gatys'
:class:`~dreamstyle.styletransfer.prepared.PreparedTransfer`, the instant
engine's :class:`~dreamstyle.instant.prepared.PreparedInstant`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import torch

from .backbone import VGGFeatures
from .engines import engine_named
from .errors import Assignment, InvalidArgumentError, Setting
from .imaging.mask import MaskLike
from .imaging.read import ImageLike, as_picture
from .masks import RegionMasks
from .runs import EngineRequest, Run, RunRequest, file_name, like_metadata
from .styles import BUILTIN_STYLE_SIDE, BuiltinStyle, builtin_style, style_weights
from .styletransfer.config import INITS


def init_settings(init: str | os.PathLike | ImageLike | None) -> tuple[str | None, ImageLike | None]:
    """Split an ``init`` argument into the config's init kind and an init image (for a file or image)."""
    if init is None or (isinstance(init, str) and init in INITS and init != "image"):
        return init, None
    return "image", init


def read_style(style: ImageLike | str) -> torch.Tensor | BuiltinStyle:
    """A style argument: ``"builtin:N"`` (one of the instant network's 26 styles), or an image as a (1, 3, h, w)
    batch."""
    return builtin_style(style) or as_picture(style).batch()


def style_name(style: ImageLike | str) -> str | None:
    """What the metadata calls a style: a file's name, a built-in style's own, None for an image in memory."""
    if isinstance(style, str) and builtin_style(style):
        return style
    return file_name(style)


def style_size(style: torch.Tensor | BuiltinStyle) -> tuple[int, int]:
    """(h, w) a style mask over ``style`` is fitted to (a built-in style has no image: the predictor's square)."""
    return (BUILTIN_STYLE_SIDE, BUILTIN_STYLE_SIDE) if isinstance(style, BuiltinStyle) else tuple(style.shape[-2:])


@dataclass(frozen=True)
class TransferRequest(EngineRequest):
    """A transfer's settings and its style (and init) images, read and checked, before any backbone.

    Attributes:
        run: where the settings start (see :class:`~dreamstyle.runs.RunRequest`).
        styles: each style as a (1, 3, h, w) batch in [0, 1], or a built-in style.
        style_names: what the metadata calls each style.
        regions: where each style lands, for each frame (no masks: everywhere).
        init: the image to start from as a (1, 3, H, W) batch, or None.
        init_name: what a still's metadata calls it (a clip takes none, and its metadata has no such key).
        still: one picture, not a clip's frames.
        files: the files the run reads besides the photo (never written over).
    """

    command: ClassVar[str] = "transfer"

    run: RunRequest
    styles: tuple[torch.Tensor | BuiltinStyle, ...]
    style_names: tuple[str | None, ...]
    regions: RegionMasks
    init: torch.Tensor | None = None
    init_name: str | None = None
    still: bool = True
    files: tuple[Path, ...] = ()

    @classmethod
    def of(cls, styles: ImageLike | Sequence[ImageLike], *, preset: str | os.PathLike | None = None,
           like: str | os.PathLike | Mapping[str, Any] | None = None, size: int | None = None,
           seed: int | None = None, init: str | os.PathLike | ImageLike | None = None,
           masks: Sequence[MaskLike] | None = None, style_masks: Sequence[MaskLike | None] | None = None,
           frames: int | None = None, still: bool = False, **settings: Any) -> "TransferRequest":
        """A request from the Python API's arguments (see :func:`dreamstyle.transfer`); ``frames`` and ``still``
        as for :meth:`~dreamstyle.deepdream.request.DreamRequest.of`."""
        kind, init_image = init_settings(init)
        if kind is not None:
            settings = {**settings, "init": kind}
        run = RunRequest(preset, like_metadata(like, cls.command), size, seed, settings)
        return cls.with_images(run, styles, init_image=init_image, masks=masks, style_masks=style_masks,
                               frames=frames, still=still, read=(like,))

    @classmethod
    def with_images(cls, run: RunRequest, styles: ImageLike | Sequence[ImageLike], *,
                    init_image: ImageLike | None = None, masks: Sequence[MaskLike] | None = None,
                    style_masks: Sequence[MaskLike | None] | None = None, frames: int | None = None,
                    still: bool = False, read: Sequence[object] = ()) -> "TransferRequest":
        """The request of ``run`` (settings already in one shape) with its images read; ``read``: other files
        the settings came from (an earlier output), never written over."""
        style_list = list(styles) if isinstance(styles, (list, tuple)) else [styles]
        batches = tuple(read_style(style) for style in style_list)
        regions = RegionMasks(masks, style_masks, [style_size(style) for style in batches], frames=frames,
                             still=still)
        named = [*style_list, init_image, *read]
        files = [Path(path) for path in named if isinstance(path, (str, os.PathLike)) and not builtin_style(path)]
        return cls(run, batches, tuple(style_name(style) for style in style_list), regions,
                   None if init_image is None else as_picture(init_image).batch(), file_name(init_image), still,
                   tuple(files + regions.files()))

    @classmethod
    def of_files(cls, styles: Sequence[Path], masks: Sequence[Path], run: RunRequest, *, frames: int | None = None,
                 still: bool = False) -> "TransferRequest":
        """A request from files a front end holds (the studio's): see :meth:`check_files`."""
        cls.check_files(styles, masks)
        return cls.with_images(run, [str(style) for style in styles], masks=list(masks) or None, frames=frames,
                               still=still)

    def metadata(self, run: Run, net: VGGFeatures, **extra: Any) -> dict[str, Any]:
        """What every output of ``run`` on ``net`` records, whichever engine made it: the run's settings, the
        styles' and masks' names and a still's start image, with ``extra``."""
        init = {"init_image": self.init_name} if self.still else {}
        return run.metadata(net, styles=list(self.style_names), **init, **self.regions.metadata(), **extra)

    @staticmethod
    def check_files(styles: Sequence[Path], masks: Sequence[Path]) -> None:
        """Refuse, naming the field, no style image, and masks that are not one per style (before reading any)."""
        if not styles:
            raise InvalidArgumentError(Setting("styles"), ": add at least one style image")
        if masks and len(masks) != len(styles):
            raise InvalidArgumentError(Setting("masks"), f": one per style ({len(styles)}), got {len(masks)}")

    def check(self, run: Run, size: tuple[int, int] | None = None) -> None:
        """Refuse styles ``run`` cannot use (a blend of the wrong length, a built-in style for an engine that
        paints none) before the backbone loads; with the picture's (H, W) ``size``, masks of another shape too."""
        style_weights(getattr(run.config, "style_blend", ()), len(self.styles))
        if not engine_named(run.engine).builtin_styles and any(isinstance(s, BuiltinStyle) for s in self.styles):
            raise InvalidArgumentError("built-in styles (builtin:N) are the instant network's own: use them with the "
                                       "instant preset (", Assignment("preset", "instant"), ")", setting="styles")
        if size is not None:
            self.regions(0, size)

