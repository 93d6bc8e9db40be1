"""A transfer as asked for, read once, and the same run ready to start: for the API, the CLI, clips and the studio.

As :mod:`dreamstyle.deepdream.request`: one :class:`TransferRequest` per run,
prepared on a backbone into a :class:`PreparedTransfer` whose metadata every
output carries.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from ..backbone import BackboneChoice, VGGFeatures, backbone_of
from ..imaging.mask import MaskLike
from ..imaging.read import ImageLike, as_picture
from ..instant.engine import BuiltinStyle, builtin_style
from ..instant.networks import STYLE_IMAGE_SIDE
from ..progress import Status, transfer_done_and_status
from ..runs import EngineRequest, Run, RunRequest, file_name
from .config import INITS
from .engine import check_builtin_styles, check_layers, style_weights, transfer_tensor
from .run import like_transfer, resolve_run
from .style_masks import StyleMasks


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
    return (STYLE_IMAGE_SIDE, STYLE_IMAGE_SIDE) if isinstance(style, BuiltinStyle) else tuple(style.shape[-2:])


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

    run: RunRequest
    styles: tuple[torch.Tensor | BuiltinStyle, ...]
    style_names: tuple[str | None, ...]
    regions: StyleMasks
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
        style_list = list(styles) if isinstance(styles, (list, tuple)) else [styles]
        kind, init_image = init_settings(init)
        if kind is not None:
            settings = {**settings, "init": kind}
        batches = tuple(read_style(style) for style in style_list)
        regions = StyleMasks(masks, style_masks, [style_size(style) for style in batches], frames=frames,
                             still=still)
        read = [*style_list, init_image, like]
        files = [Path(path) for path in read if isinstance(path, (str, os.PathLike)) and not builtin_style(path)]
        return cls(RunRequest(preset, like_transfer(like), size, seed, settings), batches,
                   tuple(style_name(style) for style in style_list), regions,
                   None if init_image is None else as_picture(init_image).batch(), file_name(init_image), still,
                   tuple(files + regions.files()))

    def resolve(self) -> Run:
        """The settings, resolved (this checks every value; it loads nothing)."""
        return resolve_run(**self.run.arguments())

    def check(self, run: Run, size: tuple[int, int] | None = None) -> None:
        """Refuse styles ``run`` cannot use (a blend of the wrong length, a built-in style for Gatys) before
        the backbone loads; with the picture's (H, W) ``size``, masks of another shape too."""
        style_weights(run.config, len(self.styles))
        check_builtin_styles(self.styles, run.config)
        if size is not None:
            self.regions(0, size)

    def prepare(self, backbone: VGGFeatures | BackboneChoice | None = None, run: Run | None = None
                ) -> "PreparedTransfer":
        """The run on its backbone, with its styles and layers checked (as for
        :meth:`~dreamstyle.deepdream.request.DreamRequest.prepare`)."""
        run = run or self.resolve()
        self.check(run)
        net = backbone_of(backbone, self.run.like)
        check_layers(net, run.config)
        return PreparedTransfer(self, run, net)


@dataclass(frozen=True)
class PreparedTransfer:
    """A transfer ready to start (a :class:`~dreamstyle.runs.Prepared`)."""

    request: TransferRequest
    run: Run
    net: VGGFeatures

    def metadata(self, **extra: Any) -> dict[str, Any]:
        request = self.request
        init = {"init_image": request.init_name} if request.still else {}
        return self.run.metadata(self.net, styles=list(request.style_names), **init, **request.regions.metadata(),
                                 **extra)

    def still(self, batch: torch.Tensor, callback: Callable[[Any], None] | None) -> torch.Tensor:
        regions = self.request.regions(0, tuple(batch.shape[-2:]))
        return transfer_tensor(self.net, batch, list(self.request.styles), self.run.config, seed=self.run.seed,
                               init_image=self.request.init, regions=regions, callback=callback)

    def done_and_status(self, progress: Any) -> tuple[int, Status]:
        return transfer_done_and_status(progress)
