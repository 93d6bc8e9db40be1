"""Instant style: a photo painted in one pass of a feed-forward network (Ghiasi et al. 2017, Dumoulin et al. 2017).

A style image becomes a 100-number vector (:class:`.networks.StylePredictor`)
and the transformer paints the photo under it; one of the 26 built-in styles
is its own vector of style weights for the 26-style transformer. Blending
styles blends their vectors; strength blends the style's vector with the
photo's own (Ghiasi et al.'s content-style interpolation; for the built-in
styles, which have no vector for the photo, the picture with the photo).
The transformers are fully convolutional with instance norm, so they run at
any size, though the arbitrary one was trained at 384 px: at larger sizes its
strokes come out finer.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F

from ..errors import InvalidArgumentError, count_of
from ..imaging.colour import match_colors, with_chroma_of
from ..imaging.resizing import resize
from ..masks import Regions, coverage
from ..runtime import autocast
from ..styles import BuiltinStyle
from .networks import MULTISTYLE, SIZE_MULTIPLE, STYLE_IMAGE_SIDE
from .weights import load_network

StyleSource = torch.Tensor | BuiltinStyle


def style_crop(style: torch.Tensor) -> torch.Tensor:
    """The predictor's view of a (1, 3, h, w) style image: its central square at 256 x 256, as Ghiasi et al. trained."""
    height, width = style.shape[-2:]
    side = min(height, width)
    top, left = (height - side) // 2, (width - side) // 2
    return resize(style[..., top:top + side, left:left + side], (STYLE_IMAGE_SIDE, STYLE_IMAGE_SIDE))


def style_vectors(images: Sequence[torch.Tensor], device: torch.device) -> torch.Tensor:
    """(K, 100) style vectors of K (1, 3, h, w) style images in [0, 1]."""
    predictor = load_network("predictor", device)
    with torch.no_grad():
        return predictor(torch.cat([style_crop(image.to(device, torch.float32)) for image in images]))


def _painted(network: torch.nn.Module, content: torch.Tensor, vectors: torch.Tensor) -> torch.Tensor:
    """``content`` (1, 3, H, W) through ``network`` once per row of ``vectors``: (K, 3, H, W)."""
    height, width = content.shape[-2:]
    pad_h, pad_w = -height % SIZE_MULTIPLE, -width % SIZE_MULTIPLE
    # Reflection needs more pixels than it pads; a tiny picture is replicated instead.
    mode = "reflect" if pad_h < height and pad_w < width else "replicate"
    padded = F.pad(content, [0, pad_w, 0, pad_h], mode=mode) if pad_h or pad_w else content
    with torch.no_grad():
        out = torch.cat([network(padded, vector[None]) for vector in vectors])
    return out[..., :height, :width].float().clamp(0.0, 1.0)


def instant_tensor(content: torch.Tensor, styles: Sequence[StyleSource], blend: Sequence[float], *,
                   strength: float = 1.0, preserve_colors: str = "none", regions: Regions | None = None,
                   precision: str = "fp32") -> torch.Tensor:
    """Paint ``content`` in one pass in the style of ``styles``.

    Args:
        content: (1, 3, H, W) RGB in [0, 1], any size; its device is where the networks run.
        styles: style images, (1, 3, h, w) RGB in [0, 1], or :class:`BuiltinStyle` s (not both kinds).
        blend: one weight per style (how their vectors mix; with ``regions``, unused).
        strength: 0 to 1: how far from the photo's own style toward the styles.
        preserve_colors: ``"none"``, ``"match"`` (the styles recoloured to the photo first) or
            ``"luminance"`` (the picture's luminance with the photo's colours).
        regions: one mask per style saying where it lands (the photo stays where none reaches); a
            style mask narrows the style image to the box around it.
        precision: ``"fp32"``, ``"bf16"`` or ``"fp16"``: the convolutions' autocast dtype.

    Returns:
        (1, 3, H, W) in [0, 1] on ``content``'s device.
    """
    if content.dim() != 4 or content.shape[:2] != (1, 3):
        raise InvalidArgumentError.about("content", f"must be a (1, 3, H, W) RGB batch, got {tuple(content.shape)}")
    if not 0 <= strength <= 1:
        raise InvalidArgumentError.about("instant_strength", f"must be in [0, 1], got {strength}")
    if len(blend) != len(styles):
        raise InvalidArgumentError.about("style_blend",
                                         f"has {len(blend)} weights for {count_of(len(styles), 'style')}")
    device = content.device
    content = content.float()
    builtin = [isinstance(style, BuiltinStyle) for style in styles]
    if any(builtin) and not all(builtin):
        raise InvalidArgumentError("built-in styles and style images cannot be mixed in one instant picture; "
                                   "use either")
    with autocast(device, precision):
        if all(builtin):
            network = load_network("multistyle", device)
            vectors = _builtin_vectors(styles, blend, regions is not None, device)
        else:
            network = load_network("arbitrary", device)
            vectors = _image_vectors(content, styles, blend, strength, preserve_colors, regions)
        painted = _painted(network, content, vectors)
    if all(builtin) and strength < 1:
        painted = torch.lerp(content, painted, strength)
    if regions is not None:
        painted = _composited(content, painted, regions)
    if preserve_colors == "luminance":
        painted = with_chroma_of(painted, content)
    return painted


def _builtin_vectors(styles: Sequence[BuiltinStyle], blend: Sequence[float], per_style: bool,
                     device: torch.device) -> torch.Tensor:
    """The 26-style network's style weights: one row blending ``styles``, or (``per_style``) one row each."""
    rows = torch.zeros(len(styles), MULTISTYLE.style_size, device=device)
    for row, style in enumerate(styles):
        rows[row, style.index] = 1.0
    if per_style:
        return rows
    weights = torch.tensor(blend, dtype=torch.float32, device=device)
    return ((weights / weights.sum()) @ rows)[None]


def _image_vectors(content: torch.Tensor, styles: Sequence[torch.Tensor], blend: Sequence[float], strength: float,
                   preserve_colors: str, regions: Regions | None) -> torch.Tensor:
    """The arbitrary network's style vectors: one blending ``styles``, or (with ``regions``) one per style."""
    images = [style.to(content.device, torch.float32) for style in styles]
    if regions is not None:
        images = [_within_style_mask(image, regions.style_mask(index)) for index, image in enumerate(images)]
    if preserve_colors == "match":
        images = [match_colors(image, content) for image in images]
    vectors = style_vectors(images, content.device)
    if regions is None:
        weights = torch.tensor(blend, dtype=torch.float32, device=content.device)
        vectors = ((weights / weights.sum()) @ vectors)[None]
    if strength < 1:
        own = style_vectors([content], content.device)
        vectors = torch.lerp(own.expand_as(vectors), vectors, strength)
    return vectors


def _within_style_mask(image: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """The part of a style image its style mask covers: the box around the mask (the predictor sees a square)."""
    if mask is None:
        return image
    covered = resize(mask.to(image.device, torch.float32), tuple(image.shape[-2:]))[0, 0] > 0.5
    if not covered.any():
        raise InvalidArgumentError("a style mask covers none of its style image")
    rows, columns = covered.any(dim=1).nonzero(), covered.any(dim=0).nonzero()
    return image[..., int(rows[0]):int(rows[-1]) + 1, int(columns[0]):int(columns[-1]) + 1]


def _composited(content: torch.Tensor, painted: torch.Tensor, regions: Regions) -> torch.Tensor:
    """Each style's picture where its mask is, shared where masks overlap; the photo where no mask reaches."""
    masks = regions.at(tuple(content.shape[-2:]), content.device)
    overlap = masks.sum(dim=0, keepdim=True).clamp(min=1.0)
    return content * (1 - coverage(masks)) + (masks / overlap * painted).sum(dim=0, keepdim=True)
