"""He et al.'s guided filter (2010) with a colour guide: a picture's best local affine fit on another.

Style engines run it after the picture is made, with the photo as guide, so
the result keeps the photo's edges under the style's colours (the ``photo``
preset); Luan et al.'s photorealism term is built on it too
(:class:`dreamstyle.styletransfer.photo.MattingLaplacian`).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .picture import check_rgb_batch

# Box filters up to this radius pool directly (the matting Laplacian's radius 1 is 7x faster so);
# wider ones use a summed-area table.
POOLED_RADIUS = 2
# Radii (and Luan et al.'s penalty, computed at the image's scale) are given at a 512 px picture and scaled
# with its size, so a setting means the same at every size.
REFERENCE_SIDE = 512
# The filter pass's regulariser (RGB in [0, 1]): windows whose colours vary less than about its square root
# are flattened, sharper ones keep the guide's edges.
PHOTO_FILTER_EPS = 1e-2


def _box_mean(x: torch.Tensor, radius: int) -> torch.Tensor:
    """Mean over the (2r + 1)^2 window around each pixel of (..., H, W) ``x``, counting only pixels inside the image.

    Small windows pool directly; larger ones use a summed-area table, which
    costs the same at any radius (a pooling window of radius 32 costs 4225
    additions per pixel).
    """
    if radius <= POOLED_RADIUS:
        return F.avg_pool2d(x, 2 * radius + 1, stride=1, padding=radius, count_include_pad=False)
    height, width = x.shape[-2:]
    table = F.pad(x.cumsum(dim=-2).cumsum(dim=-1), (1, 0, 1, 0))
    rows, columns = torch.arange(height, device=x.device), torch.arange(width, device=x.device)
    top, bottom = (rows - radius).clamp(min=0)[:, None], (rows + radius + 1).clamp(max=height)[:, None]
    left, right = (columns - radius).clamp(min=0), (columns + radius + 1).clamp(max=width)
    total = table[..., bottom, right] - table[..., top, right] - table[..., bottom, left] + table[..., top, left]
    return total / ((bottom - top) * (right - left)).to(x.dtype)


def _pairwise(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """(1, I, H, W) and (1, J, H, W) -> (1, I * J, H, W) every product of a channel of ``a`` and one of ``b``."""
    return (a[:, :, None] * b[:, None]).flatten(1, 2)


class GuidedFilter:
    """He et al.'s guided filter with a colour guide; the guide's window statistics are made once.

    Args:
        guide: (1, 3, H, W) RGB in [0, 1].
        radius: window radius in px (windows of (2r + 1)^2, cut at the border).
        eps: the regulariser: larger smooths more, smaller follows the guide's edges more closely.
    """

    def __init__(self, guide: torch.Tensor, radius: int, eps: float) -> None:
        check_rgb_batch(guide, "guide")
        if guide.shape[0] != 1:
            raise ValueError(f"guide must be one image (1, 3, H, W), got {tuple(guide.shape)}")
        # float64: with Levin's tiny regulariser, a flat window's covariance is
        # nearly singular and float32 loses its inverse to rounding.
        self.guide, self.radius = guide.double(), radius
        self.mean = _box_mean(self.guide, radius)  # (1, 3, H, W)
        second = _box_mean(_pairwise(self.guide, self.guide), radius).unflatten(1, (3, 3))
        covariance = second - self.mean[:, :, None] * self.mean[:, None]
        regularised = covariance.permute(0, 3, 4, 1, 2) + eps * torch.eye(3, device=guide.device, dtype=torch.float64)
        self.inverse = torch.linalg.inv(regularised)  # (1, H, W, 3, 3)

    def __call__(self, source: torch.Tensor) -> torch.Tensor:
        """(1, C, H, W) ``source`` -> (1, C, H, W) its local affine fit on the guide, averaged over windows
        (in ``source``'s dtype)."""
        dtype, source = source.dtype, source.double()
        mean = _box_mean(source, self.radius)
        cross = _box_mean(_pairwise(self.guide, source), self.radius).unflatten(1, (3, source.shape[1]))
        covariance = cross - self.mean[:, :, None] * mean[:, None]  # (1, 3, C, H, W)
        slope = torch.einsum("nhwij,njchw->nichw", self.inverse, covariance)
        offset = mean - (slope * self.mean[:, :, None]).sum(dim=1)
        slope, offset = _box_mean(slope.flatten(1, 2), self.radius).unflatten(1, slope.shape[1:3]), \
            _box_mean(offset, self.radius)
        return ((slope * self.guide[:, :, None]).sum(dim=1) + offset).to(dtype)


def guided_filter(guide: torch.Tensor, source: torch.Tensor, radius: int, eps: float) -> torch.Tensor:
    """``source`` (1, C, H, W) filtered with ``guide`` (1, 3, H, W) in [0, 1]: see :class:`GuidedFilter`."""
    return GuidedFilter(guide, radius, eps)(source)


def photo_filtered(x: torch.Tensor, content: torch.Tensor, radius: int) -> torch.Tensor:
    """(1, 3, H, W) ``x`` through a guided filter with ``content`` (1, 3, H, W) as guide, of ``radius`` px at a
    512 px output (scaled with the size); values in [0, 1]."""
    scaled = max(1, round(radius * max(x.shape[-2:]) / REFERENCE_SIDE))
    return guided_filter(content, x, scaled, PHOTO_FILTER_EPS).clamp_(0.0, 1.0)
