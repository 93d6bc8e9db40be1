"""Where a transfer's optimisation starts: the first scale's image (``init``), and each finer scale's."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

from ..errors import InvalidArgumentError
from ..imaging.colour import luminance, match_colors
from ..imaging.mask import mask_at
from ..imaging.resizing import resize
from ..masks import Regions, coverage
from .config import TransferConfig

# (content (1, 3, H, W), styles (1, 3, h, w) each, regions or None) -> a picture of the content (1, 3, H, W) in
# [0, 1]: for ``init="instant"``, the instant engine's, which the transfer's prepared run supplies.
Painter = Callable[[torch.Tensor, Sequence[torch.Tensor], Regions | None], torch.Tensor]


def initial_image(content: torch.Tensor, styles: Sequence[torch.Tensor], config: TransferConfig,
                  generator: torch.Generator, init_image: torch.Tensor | None, blend: Sequence[float] = (),
                  regions: Regions | None = None, painter: Painter | None = None) -> torch.Tensor:
    """The image the first scale starts from, at the content's size (``init_image`` for ``init="image"``,
    ``painter``'s picture for ``init="instant"``)."""
    size = tuple(content.shape[-2:])
    if config.init == "content":
        return content.clone()
    if config.init == "recoloured":
        return recoloured(content, styles, blend, regions)
    if config.init == "style":
        return resize(styles[0], size)
    if config.init == "instant":
        if painter is None:
            raise InvalidArgumentError("init 'instant' needs the instant engine's painter")
        painted = painter(content, styles, regions)
        return luminance(painted) if config.preserve_colors == "luminance" else painted
    if config.init == "image":
        if init_image is None:
            raise InvalidArgumentError("init 'image' needs an init image")
        start = resize(init_image.to(content.device, torch.float32), size)
        return luminance(start) if config.preserve_colors == "luminance" else start
    noise = torch.randn(content.shape, generator=generator, device="cpu").to(content.device)
    return (0.5 + 0.2 * noise).clamp(0.0, 1.0)


def recoloured(content: torch.Tensor, styles: Sequence[torch.Tensor], blend: Sequence[float],
               regions: Regions | None = None) -> torch.Tensor:
    """(1, 3, H, W) ``content`` recoloured to the styles' colour mean and covariance, averaged by ``blend``; with
    ``regions``, each region's pixels to its own style's (over its style mask), the rest left as they are."""
    if regions is None:
        blend = blend or (1.0,) * len(styles)
        total = float(sum(blend))
        return sum(weight / total * match_colors(content, style) for weight, style in zip(blend, styles))
    masks = regions.at(tuple(content.shape[-2:]), content.device)
    overlap = masks.sum(dim=0, keepdim=True).clamp(min=1.0)  # where masks overlap, their recolourings share
    out = content * (1 - coverage(masks))
    for index, (mask, style) in enumerate(zip(masks / overlap, styles)):
        style_mask = regions.style_mask(index)
        style_mask = None if style_mask is None else mask_at(style_mask.to(style.device), tuple(style.shape[-2:]))
        out = out + mask * match_colors(content, style, mask[None], style_mask)
    return out.clamp(0.0, 1.0)


def finer_start(x: torch.Tensor, content: torch.Tensor, coarse: tuple[int, int], fine: tuple[int, int],
                config: TransferConfig) -> torch.Tensor:
    """Where a finer scale starts: the coarser result ``x`` (1, 3, *coarse) upsampled to ``fine``.

    The upsampled picture lacks the photo's fine detail, so ``config.content_detail``
    of it is added back: the content (1, 3, H, W) at ``fine`` minus its copy at
    ``coarse`` upsampled, the part the coarser scale could not hold.
    ``config.content_mix`` then blends in the photo itself. Values in [0, 1].
    """
    x = resize(x, fine)
    photo = resize(content, fine)
    if config.content_detail:
        x = x + config.content_detail * (photo - resize(resize(content, coarse), fine))
    if config.content_mix:
        x = torch.lerp(x, photo, config.content_mix)
    return x.clamp(0.0, 1.0)
