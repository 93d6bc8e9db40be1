"""What a layer sees: an image's strongest activation maps as a contact sheet."""

from __future__ import annotations

import torch
from PIL import Image

from .backbone import VGGFeatures
from .errors import InvalidArgumentError
from .imaging.read import ImageLike, as_picture
from .imaging.sheet import contact_sheet


def activation_maps(net: VGGFeatures, x: torch.Tensor, layer: str, count: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The ``count`` channels of ``layer`` that respond most strongly to ``x``.

    Args:
        net: the backbone.
        x: (1, 3, H, W) RGB in [0, 1].
        layer: a layer name such as ``"relu3_1"``.
        count: how many channels, strongest (highest mean activation) first.

    Returns:
        (maps, channels): maps (count, 1, h, w), each scaled to [0, 1] by its
        own maximum; channels (count,) long, the channel indices.
    """
    channels_in_layer = net.spec(layer).channels
    if not 1 <= count <= channels_in_layer:
        raise InvalidArgumentError.about("count", f"must be between 1 and {channels_in_layer} for {layer}, got {count}")
    with torch.no_grad():
        activation = net(x, [layer])[layer][0]
    strongest = activation.mean(dim=(1, 2)).argsort(descending=True)[:count]
    maps = activation[strongest].clamp(min=0).unsqueeze(1)
    peak = maps.amax(dim=(2, 3), keepdim=True).clamp(min=1e-8)
    return (maps / peak).cpu(), strongest.cpu()


def activation_sheet(
    image: ImageLike, net: VGGFeatures, layer: str = "relu3_1", count: int = 16, size: int | None = 512,
    tile_size: int = 128,
) -> Image.Image:
    """A labelled contact sheet of the strongest activation maps of ``layer`` for ``image``.

    Args:
        image: a path, Pillow image, Picture or (3, H, W) tensor in [0, 1].
        net: the backbone, from :func:`dreamstyle.load_backbone`.
        layer: which layer to show.
        count: how many channels.
        size: resize the image so its longer side is this many px first (None keeps it).
        tile_size: side in px of each map in the sheet.
    """
    picture = as_picture(image, size)
    maps, channels = activation_maps(net, picture.batch().to(net.device), layer, count)
    return contact_sheet(maps, [f"{layer}:{int(c)}" for c in channels], tile_size=tile_size)
