"""Colour over RGB batches (N, 3, H, W) in [0, 1]: matching one image's colour statistics to another's (mean and
covariance of its RGB pixels), and luminance and chroma apart (Gatys et al. 2016, "Preserving Color in Neural
Artistic Style Transfer"), for every engine that keeps a photo's colours."""

from __future__ import annotations

import torch

from .picture import check_rgb_batch

# Floor of the covariance's eigenvalues: a grey image's covariance is singular.
COVARIANCE_EPS = 1e-5


def _matrix_power(covariance: torch.Tensor, power: float) -> torch.Tensor:
    values, vectors = torch.linalg.eigh(covariance)
    return vectors @ torch.diag(values.clamp(min=COVARIANCE_EPS) ** power) @ vectors.T


def match_colors(source: torch.Tensor, target: torch.Tensor, source_weights: torch.Tensor | None = None,
                 target_weights: torch.Tensor | None = None) -> torch.Tensor:
    """Recolour ``source`` so its pixel mean and covariance equal ``target``'s.

    Symmetric matrix square roots (the "Cholesky-free" variant) keep the
    transform free of rotations; the eigenvalue floor makes grey images,
    whose covariance is singular, safe.

    Args:
        source: (N, 3, h, w) RGB in [0, 1], recoloured.
        target: (M, 3, H, W) RGB in [0, 1] whose statistics (over all its pixels) are taken.
        source_weights / target_weights: optional (N or M, 1, h, w) weights in [0, 1] of each pixel
            in the statistics (a mask: only that part of the image counts).

    Returns:
        (N, 3, h, w) float32 RGB in [0, 1].
    """
    check_rgb_batch(source, "source")
    check_rgb_batch(target, "target")

    def stats(x: torch.Tensor, weights: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
        pixels = x.float().permute(1, 0, 2, 3).flatten(1)  # (3, P)
        if weights is None:
            mean = pixels.mean(dim=1, keepdim=True)
            centred = pixels - mean
            return mean, centred @ centred.T / max(1, pixels.shape[1] - 1)
        weights = weights.float().expand(x.shape[0], 1, *x.shape[-2:]).permute(1, 0, 2, 3).flatten(1)  # (1, P)
        total = weights.sum().clamp(min=COVARIANCE_EPS)
        mean = (weights * pixels).sum(dim=1, keepdim=True) / total
        centred = pixels - mean
        return mean, (weights * centred) @ centred.T / total

    mean_s, cov_s = stats(source, source_weights)
    mean_t, cov_t = stats(target, target_weights)
    transform = _matrix_power(cov_t, 0.5) @ _matrix_power(cov_s, -0.5)
    pixels = source.float().permute(1, 0, 2, 3).flatten(1)
    matched = transform @ (pixels - mean_s) + mean_t
    return matched.view(3, source.shape[0], *source.shape[-2:]).permute(1, 0, 2, 3).clamp(0.0, 1.0)

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
