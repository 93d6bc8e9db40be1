"""Colour handling (Gatys et al. 2016, "Preserving Color in Neural Artistic Style Transfer").

Pure functions over RGB batches shaped (N, 3, H, W) with values in [0, 1].
Recolouring the style to the photo ("match") is
:func:`dreamstyle.imaging.colour.match_colors`.
"""

from __future__ import annotations

import torch

from ..imaging.picture import check_rgb_batch

# ITU-R BT.601 luma and chroma, the YCbCr that JPEG uses.
_RGB_TO_YCBCR = torch.tensor([[0.299, 0.587, 0.114], [-0.168736, -0.331264, 0.5], [0.5, -0.418688, -0.081312]])


def rgb_to_ycbcr(x: torch.Tensor) -> torch.Tensor:
    """RGB to YCbCr (BT.601, full range).

    Args:
        x: (N, 3, H, W) RGB in [0, 1].

    Returns:
        (N, 3, H, W) Y in [0, 1], Cb and Cr in [0, 1] centred on 0.5.
    """
    check_rgb_batch(x, "x")
    out = torch.einsum("ij,njhw->nihw", _RGB_TO_YCBCR.to(x), x)
    return out + torch.tensor([0.0, 0.5, 0.5], device=x.device, dtype=x.dtype).view(1, 3, 1, 1)


def ycbcr_to_rgb(x: torch.Tensor) -> torch.Tensor:
    """YCbCr to RGB, the inverse of :func:`rgb_to_ycbcr`.

    Args:
        x: (N, 3, H, W) Y in [0, 1], Cb and Cr centred on 0.5.

    Returns:
        (N, 3, H, W) RGB clamped to [0, 1] (a Y, Cb, Cr triple can lie outside the RGB cube).
    """
    check_rgb_batch(x, "x")
    centred = x - torch.tensor([0.0, 0.5, 0.5], device=x.device, dtype=x.dtype).view(1, 3, 1, 1)
    return torch.einsum("ij,njhw->nihw", torch.linalg.inv(_RGB_TO_YCBCR).to(x), centred).clamp(0.0, 1.0)


def luminance(x: torch.Tensor) -> torch.Tensor:
    """The grey image of ``x``'s luminance.

    Args:
        x: (N, 3, H, W) RGB in [0, 1].

    Returns:
        (N, 3, H, W) in [0, 1], all three channels equal to Y.
    """
    check_rgb_batch(x, "x")
    return rgb_to_ycbcr(x)[:, :1].expand(-1, 3, -1, -1).contiguous()


def match_luminance(style: torch.Tensor, content: torch.Tensor) -> torch.Tensor:
    """The style's luminance, shifted and scaled to the content's mean and standard deviation.

    Args:
        style: (N, 3, h, w) RGB in [0, 1].
        content: (M, 3, H, W) RGB in [0, 1], any size.

    Returns:
        (N, 3, h, w) grey (three equal channels) in [0, 1].
    """
    check_rgb_batch(style, "style")
    check_rgb_batch(content, "content")
    y_style, y_content = luminance(style), luminance(content)
    scale = y_content.std() / y_style.std().clamp(min=1e-6)
    return ((y_style - y_style.mean()) * scale + y_content.mean()).clamp(0.0, 1.0)


def with_chroma_of(luma_image: torch.Tensor, colour_source: torch.Tensor) -> torch.Tensor:
    """The luminance of one image with the colours (Cb, Cr) of another.

    Args:
        luma_image: (N, 3, H, W) RGB in [0, 1] whose Y is kept.
        colour_source: (N, 3, H, W) RGB in [0, 1] whose Cb and Cr are kept.

    Returns:
        (N, 3, H, W) RGB in [0, 1].
    """
    check_rgb_batch(luma_image, "luma_image")
    check_rgb_batch(colour_source, "colour_source")
    y = rgb_to_ycbcr(luma_image)[:, :1]
    chroma = rgb_to_ycbcr(colour_source)[:, 1:]
    return ycbcr_to_rgb(torch.cat([y, chroma], dim=1))
