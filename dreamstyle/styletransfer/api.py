"""Neural style transfer (Gatys et al.): the Python API (re-exported by :mod:`dreamstyle.styletransfer`).

``transfer()`` takes a content image and one or more style images and
returns a Pillow image. The engine itself (:func:`transfer_tensor`) works on
tensors only.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import torch
from PIL import Image

from ..backbone import BackboneChoice, VGGFeatures, backbone_of
from ..imaging import picture_to_pil
from ..imaging.mask import MaskLike
from ..imaging.read import ImageLike, as_picture
from ..instant.engine import BuiltinStyle, builtin_style
from ..instant.networks import STYLE_IMAGE_SIDE
from ..progress import shown, transfer_done_and_status
from ..runs import run_stoppable
from .style_masks import StyleMasks
from .config import INITS
from .engine import ProgressCallback, transfer_tensor
from .run import Run, like_transfer, resolve_run



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
    return Path(style).name if isinstance(style, (str, os.PathLike)) else None


def style_size(style: torch.Tensor | BuiltinStyle) -> tuple[int, int]:
    """(h, w) a style mask over ``style`` is fitted to (a built-in style has no image: the predictor's square)."""
    return (STYLE_IMAGE_SIDE, STYLE_IMAGE_SIDE) if isinstance(style, BuiltinStyle) else tuple(style.shape[-2:])


def prepare_run(styles: ImageLike | Sequence[ImageLike], like, backbone: VGGFeatures | BackboneChoice | None,
                init: str | os.PathLike | ImageLike | None = None, **run_settings: Any
                ) -> tuple[Run, VGGFeatures, list[torch.Tensor], torch.Tensor | None, list[str | None]]:
    """What every transfer API shares: settings, backbone, style batches, the init image and the style names.

    Args:
        styles: one style image or a list of them.
        like: an earlier output (path or metadata) whose settings to reuse.
        backbone: a loaded backbone to reuse, or the one to load (see :func:`backbone_of`).
        init: "content", "noise", "style", or an image to start from.
        **run_settings: preset, size, seed and TransferConfig fields.
    """
    style_list = list(styles) if isinstance(styles, (list, tuple)) else [styles]
    kind, init_image = init_settings(init)
    if kind is not None:
        run_settings["init"] = kind
    previous = like_transfer(like)
    run = resolve_run(like=previous, **run_settings)
    net = backbone_of(backbone, previous)
    style_batches = [read_style(style) for style in style_list]
    init_batch = None if init_image is None else as_picture(init_image).batch()
    names = [style_name(s) for s in style_list]
    return run, net, style_batches, init_batch, names


def transfer(
    content: ImageLike,
    styles: ImageLike | Sequence[ImageLike],
    *,
    preset: str | os.PathLike | None = None,
    like: str | os.PathLike | Mapping[str, Any] | None = None,
    size: int | None = None,
    seed: int | None = None,
    init: str | os.PathLike | ImageLike | None = None,
    backbone: VGGFeatures | BackboneChoice | None = None,
    masks: Sequence[MaskLike] | None = None,
    style_masks: Sequence[MaskLike | None] | None = None,
    callback: ProgressCallback | None = None,
    progress: bool = False,
    **settings: Any,
) -> Image.Image:
    """Paint ``content`` in the style of ``styles`` and return a Pillow image.

    Args:
        content: a path, Pillow image, Picture or (3, H, W) tensor in [0, 1].
        styles: one style image or a list of them; ``"builtin:N"`` names one of the instant network's 26
            styles (with ``preset="instant"``).
        preset: a built-in transfer preset (``dreamstyle presets``) or a TOML file; default "classic".
        like: an earlier output (path or metadata dict) whose settings to reuse.
        size: longest side of the output (default: the content's, at most 512; never enlarged unasked).
        seed: random seed; None picks one (stored in ``result.info["dreamstyle"]``).
        init: "content", "noise", "style", or an image (path, Pillow image...) to start from.
        backbone: a loaded backbone to reuse, or a :class:`~dreamstyle.backbone.BackboneChoice`
            to load (as for :func:`dreamstyle.dream`).
        masks: one mask per style (path, Pillow image or tensor; white: here, soft edges allowed), saying
            where on the output each style lands; where none reaches, the photo stays. ``style_blend`` then
            sets each region's strength. None: every style everywhere, blended.
        style_masks: one mask per style image (or None) saying which part of it the style comes from.
        callback: called with a :class:`TransferProgress` as the optimisation goes; it may raise
            :class:`~dreamstyle.runs.RunStopped` to end the run early, which then returns the picture so far
            (its ``info["dreamstyle"]["interrupted_at_step"]`` says when).
        progress: show the command line's progress bar on stderr while it runs (default: silent).
        **settings: any :class:`TransferConfig` field (``style_blend=[0.7, 0.3]``,
            ``preserve_colors="luminance"``, ``style_weight=20``...).
    """
    run, net, style_batches, init_batch, names = prepare_run(styles, like, backbone, init, preset=preset, size=size,
                                                             seed=seed, **settings)
    picture = run.fit(as_picture(content))
    regions = StyleMasks(masks, style_masks, [style_size(style) for style in style_batches], still=True)
    hw = (picture.height, picture.width)
    with shown(callback, progress, "transfer", transfer_done_and_status) as reported:
        out, stopped = run_stoppable(lambda watched: transfer_tensor(net, picture.batch(), style_batches, run.config,
                                                                     seed=run.seed, init_image=init_batch,
                                                                     regions=regions(0, hw), callback=watched),
                                     reported, hw)
    result = picture_to_pil(picture.with_rgb(out))
    result.info["dreamstyle"] = run.metadata(net, styles=names, **regions.metadata(), **stopped)
    return result
