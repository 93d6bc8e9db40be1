"""DeepDream: the Python API (re-exported by :mod:`dreamstyle.deepdream`).

``dream()`` takes an image and returns a Pillow image; ``dream_zoom()`` yields
the frames of a zoom animation; ``atlas()`` and ``filters()`` draw what a
layer's channels and the first layer's kernels respond to. The engine itself
(:func:`dream_tensor`) works on tensors only.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import torch
from PIL import Image

from ..backbone import BackboneChoice, VGGFeatures, backbone_of
from ..imaging import picture_to_pil
from ..imaging.mask import MaskLike
from ..imaging.read import ImageLike, as_picture
from ..imaging.sheet import contact_sheet, sheet_layout
from ..runs import file_name, render_still
from ..seeds import choose_seed
from ..version import __version__
from .channel_atlas import atlas_config, channel_atlas, first_layer_filters
from .config import parse_channels
from .engine import ProgressCallback
from .request import DreamRequest
from .zoom import ZoomConfig, zoom_frames


def dream(
    image: ImageLike,
    *,
    preset: str | os.PathLike | None = None,
    like: str | os.PathLike | Mapping[str, Any] | None = None,
    size: int | None = None,
    seed: int | None = None,
    guide: ImageLike | None = None,
    backbone: VGGFeatures | BackboneChoice | None = None,
    mask: MaskLike | None = None,
    callback: ProgressCallback | None = None,
    progress: bool = False,
    **settings: Any,
) -> Image.Image:
    """Dream on one image and return the result as a Pillow image.

    Args:
        image: a path, Pillow image, Picture, or (3, H, W) tensor in [0, 1].
        preset: a built-in preset name (``dreamstyle presets``) or a TOML file; default "classic".
        like: an earlier output (path or its metadata dict) whose settings to reuse.
        size: resize so the longer side is this many px (None keeps the size).
        seed: random seed; None picks one (stored in ``result.info["dreamstyle"]``).
        guide: optional guide image for guided dreaming.
        backbone: a loaded backbone to reuse (``load_backbone(...)``), or a
            :class:`~dreamstyle.backbone.BackboneChoice` of weights, pooling,
            device and precision to load; default: ``--like``'s weights and
            pooling, else VGG19 with max pooling, on the fastest device.
        mask: where the dream may add detail (path, Pillow image or tensor; white: here, soft edges fade it).
        callback: called with a :class:`DreamProgress` after every step; it may raise
            :class:`~dreamstyle.runs.RunStopped` to end the dream early, which then returns the picture so far
            (its ``info["dreamstyle"]["interrupted_at_step"]`` says when).
        progress: show the command line's progress bar on stderr while it runs (default: silent).
        **settings: any :class:`DreamConfig` field, overriding the preset
            (``layers="relu4_2:1,relu5_1:0.5"``, ``channels="relu4_2=12,47"``, ``octaves=5``...).

    Returns:
        RGB (or RGBA if the input had alpha) image; ``info["dreamstyle"]`` holds
        the effective parameters.
    """
    request = DreamRequest.of(preset=preset, like=like, size=size, seed=seed, guide=guide, mask=mask, still=True,
                              **settings)
    return render_still(request.prepare(backbone), image, callback, progress, input=file_name(image))


def dream_zoom(
    image: ImageLike,
    frames: int,
    *,
    zoom: float = 1.04,
    rotate: float = 0.0,
    colour_hold: float = 1.0,
    preset: str | os.PathLike | None = None,
    like: str | os.PathLike | Mapping[str, Any] | None = None,
    size: int | None = None,
    seed: int | None = None,
    guide: ImageLike | None = None,
    backbone: VGGFeatures | BackboneChoice | None = None,
    **settings: Any,
) -> Iterator[Image.Image]:
    """Yield ``frames`` Pillow frames of a zoom / rotate feedback dream.

    ``zoom``, ``rotate`` and ``colour_hold`` are :class:`ZoomConfig`'s; the
    other arguments are :func:`dream`'s.
    """
    request = DreamRequest.of(preset=preset, like=like, size=size, seed=seed, guide=guide, **settings)
    prepared = request.prepare(backbone)
    run = prepared.run
    picture = run.fit(as_picture(image))
    zoom_config = ZoomConfig(frames=frames, zoom=zoom, rotate=rotate, colour_hold=colour_hold)
    for frame in zoom_frames(prepared.net, picture.batch(), run.config, zoom_config, seed=run.seed,
                             guide=prepared.request.guide):
        yield picture_to_pil(picture.with_rgb(frame), keep_alpha=False)


def atlas(
    layer: str,
    channels: Sequence[int] | str = "0-15",
    *,
    size: int = 128,
    seed: int | None = None,
    start: ImageLike | None = None,
    backbone: VGGFeatures | BackboneChoice | None = None,
    callback: ProgressCallback | None = None,
    **settings: Any,
) -> Image.Image:
    """A labelled contact sheet with one small dream per channel of ``layer``.

    Args:
        layer: e.g. ``"relu4_2"``.
        channels: indices, or a string such as ``"0-63"`` or ``"3,17,40-47"``.
        size: side of each tile in px.
        seed: makes the sheet reproducible.
        start: grow every tile from this image instead of noise.
        backbone: a loaded backbone, or the one to load (as for :func:`dream`).
        **settings: DreamConfig fields overriding the atlas defaults (iterations, octaves, step...).

    Returns:
        the sheet; its ``info["dreamstyle"]`` holds the settings, the channels drawn and where each tile
        lies (``"sheet"``: size, tile and corners in px). A ``callback`` that raises
        :class:`~dreamstyle.runs.RunStopped` ends it early with the tiles so far (``"channels"`` then lists
        only those).
    """
    net = backbone_of(backbone, None)
    if isinstance(channels, str):
        channels = parse_channels(f"{layer}={channels}")[0][1]
    config = atlas_config(layer, **settings)
    start_batch = None if start is None else as_picture(start).resized_longest_side(size)
    if start_batch is not None:
        start_batch = torch.nn.functional.interpolate(start_batch.batch(), size=(size, size), mode="bicubic",
                                                      align_corners=False).clamp(0, 1)
    seed = choose_seed(seed)
    tiles = channel_atlas(net, layer, list(channels), seed=seed, size=size, start=start_batch,
                          config=config, callback=callback)
    drawn = list(channels)[:tiles.shape[0]]
    sheet = contact_sheet(tiles, [f"{layer}:{c}" for c in drawn], tile_size=size)
    layout = sheet_layout(len(drawn), (size, size), size)
    sheet.info["dreamstyle"] = {
        "dreamstyle": __version__, "command": "atlas", "layer": layer, "channels": drawn, "tile": size,
        "seed": seed, "config": config.to_dict(), "weights": net.weights, "pooling": net.pooling,
        "sheet": {"size": layout.size, "tile": layout.tile, "corners": layout.corners},
        **({"stopped_after_channels": len(drawn)} if len(drawn) < len(channels) else {}),
    }
    return sheet


def filters(layer: str = "conv1_1", *, backbone: VGGFeatures | BackboneChoice | None = None,
            tile_size: int = 48) -> Image.Image:
    """The first layer's kernels as a labelled sheet of colour patches (``backbone`` as for :func:`dream`)."""
    net = backbone_of(backbone or BackboneChoice(device="cpu", precision="fp32"), None)
    kernels = first_layer_filters(net, layer)
    # Nearest-neighbour enlargement: a 3x3 kernel should look like 9 flat squares, not a blur.
    repeat = max(1, tile_size // kernels.shape[-1])
    large = kernels.repeat_interleave(repeat, dim=2).repeat_interleave(repeat, dim=3)
    return contact_sheet(large, [str(c) for c in range(kernels.shape[0])], tile_size=large.shape[-1])
