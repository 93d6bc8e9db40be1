"""Neural style transfer (Gatys et al.): the Python API (re-exported by :mod:`dreamstyle.styletransfer`).

``transfer()`` takes a content image and one or more style images and
returns a Pillow image. The engine itself (:func:`transfer_tensor`) works on
tensors only.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from PIL import Image

from ..backbone import BackboneChoice, VGGFeatures
from ..imaging.mask import MaskLike
from ..imaging.read import ImageLike
from ..runs import file_name, render_still
from ..transfer_request import TransferRequest
from .engine import ProgressCallback


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
    request = TransferRequest.of(styles, preset=preset, like=like, size=size, seed=seed, init=init, masks=masks,
                                 style_masks=style_masks, still=True, **settings)
    return render_still(request.prepare(backbone), content, callback, progress, input=file_name(content))
