"""Every built-in look on one photo, side by side: the presets, and the instant network's 26 styles; seen, not
read about."""

from __future__ import annotations

from collections.abc import Callable

import torch
from PIL import Image

from .backbone import BackboneChoice, VGGFeatures, backbone_of
from .deepdream import dream
from .imaging.picture import picture_from_pil
from .imaging.read import ImageLike, as_picture
from .imaging.sheet import contact_sheet
from .instant.engine import instant_tensor
from .presets import builtin_presets
from .styles import BUILTIN_STYLES, BuiltinStyle
from .styletransfer import transfer
from .version import __version__


def preset_sheet(
    photo: ImageLike,
    style: ImageLike | None = None,
    *,
    size: int = 256,
    seed: int = 0,
    backbone: VGGFeatures | BackboneChoice | None = None,
    on_preset: Callable[[str, int, int], None] | None = None,
) -> Image.Image:
    """A labelled contact sheet of ``photo`` made with every built-in dream preset, then, given a ``style``,
    every built-in transfer preset.

    Args:
        photo: the photo (path, Pillow image, Picture or (3, H, W) tensor in [0, 1]).
        style: a style image for the transfer presets; None shows the dream presets alone.
        size: the longer side of each picture, in px.
        seed: one seed for every preset, so the sheet shows the presets' differences, not the seeds'.
        backbone: a loaded backbone, or the one to load (as for :func:`dreamstyle.dream`).
        on_preset: called with ("dream PRESET" or "transfer PRESET", its number from 1, how many) before each.

    Returns:
        the sheet, each tile labelled ``dream:NAME`` or ``transfer:NAME``; its ``info["dreamstyle"]`` says what
        was made.
    """
    net = backbone_of(backbone, None)
    picture = as_picture(photo)
    runs = [("dream", preset.name) for preset in builtin_presets("dream")]
    if style is not None:
        runs += [("transfer", preset.name) for preset in builtin_presets("transfer")]
    tiles = []
    for number, (command, name) in enumerate(runs, start=1):
        if on_preset is not None:
            on_preset(f"{command} {name}", number, len(runs))
        if command == "dream":
            made = dream(picture, preset=name, size=size, seed=seed, backbone=net)
        else:
            made = transfer(picture, style, preset=name, size=size, seed=seed, backbone=net)
        tiles.append(picture_from_pil(made.convert("RGB")).rgb)
    sheet = contact_sheet(torch.stack(tiles), [f"{command}:{name}" for command, name in runs], tile_size=size)
    sheet.info["dreamstyle"] = {"dreamstyle": __version__, "command": "preset-sheet", "presets": [
        f"{command}:{name}" for command, name in runs], "size": size, "seed": seed, "weights": net.weights}
    return sheet


def builtin_style_sheet(photo: ImageLike, *, size: int = 256, device: torch.device | str = "cpu") -> Image.Image:
    """A labelled contact sheet of ``photo`` and ``photo`` painted in each of the instant network's 26 styles.

    Args:
        photo: the photo (path, Pillow image, Picture or (3, H, W) tensor in [0, 1]).
        size: the longer side of each picture, in px.
        device: where the network runs.

    Returns:
        the sheet, the tiles labelled ``photo`` and ``builtin:0`` to ``builtin:25`` (the names
        ``dreamstyle transfer PHOTO builtin:N --preset instant`` takes).
    """
    content = as_picture(photo).resized_longest_side(size).batch().to(device)
    styles = [BuiltinStyle(index) for index in range(BUILTIN_STYLES)]
    tiles = [content] + [instant_tensor(content, [style], (1.0,)) for style in styles]
    sheet = contact_sheet(torch.cat(tiles).cpu(), ["photo"] + [style.name for style in styles], tile_size=size)
    sheet.info["dreamstyle"] = {"dreamstyle": __version__, "command": "styles", "size": size}
    return sheet
