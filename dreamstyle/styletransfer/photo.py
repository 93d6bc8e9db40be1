"""Photorealism: keep the photo's edges and local structure while the style moves its colours.

Two tools, on one guided filter (He et al. 2010) with the content as guide:

- :class:`MattingLaplacian`, Luan et al. 2017's photorealism term: the
  matting Laplacian of the content (Levin et al. 2008) as a penalty on the
  output, ``sum_c V_c^T L V_c``. It is zero when, in every 3 x 3 window, each
  output channel is an affine function of the content's colours: colours may
  change, new edges and strokes may not.
- :func:`guided_filter` as a pass after the optimisation (the fast
  alternative; Li et al. 2018 use it to approximate their smoothing step):
  the output is replaced by its best local affine fit on the content.

Where it departs from the papers: the matting Laplacian is never built as a
matrix. ``L v = n (v - q)``, where ``q`` is the guided filter of ``v`` with
radius 1 and regulariser ``eps / 9``, and ``n`` counts the windows holding
each pixel; so applying it costs a few box filters, and it runs on any device
in memory proportional to the image (a sparse ``L`` at 1024 px has 26 M
entries, and the best-known PyTorch port needs 16 GB of GPU memory for it).
Windows at the border are cut to the image rather than dropped, with the
same regulariser: a border pixel is held by as many windows as it lies in.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ..imaging.picture import check_rgb_batch

# Levin et al.'s regulariser: near 0, so a window's affine model follows the
# content's colours closely; it only keeps flat windows' systems solvable.
MATTING_EPS = 1e-7
MATTING_WINDOW = 9  # pixels in a 3 x 3 window
# Luan et al. compute the penalty at the image's scale; the per-pixel mean is
# scaled like total variation, so a weight means the same at every size.
REFERENCE_SIDE = 512
# Box filters up to this radius pool directly (the matting Laplacian's radius 1 is 7x faster so);
# wider ones use a summed-area table.
POOLED_RADIUS = 2


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


class MattingLaplacian:
    """Levin et al.'s matting Laplacian ``L`` of a guide image, applied through the guided filter.

    Args:
        guide: (1, 3, H, W) the content in [0, 1].
    """

    def __init__(self, guide: torch.Tensor) -> None:
        self.filter = GuidedFilter(guide, 1, MATTING_EPS / MATTING_WINDOW)
        ones = torch.ones_like(guide[:, :1], dtype=torch.float32)
        self.windows = F.avg_pool2d(ones, 3, stride=1, padding=1, divisor_override=1)  # windows holding each pixel

    def apply(self, v: torch.Tensor) -> torch.Tensor:
        """``L v`` for (1, C, H, W) ``v``, channel by channel."""
        return self.windows * (v - self.filter(v))

    def energy(self, v: torch.Tensor) -> torch.Tensor:
        """0-d ``sum_c v_c^T L v_c`` over the pixels, scaled like total variation (differentiable in ``v``)."""
        scale = (max(v.shape[-2:]) / REFERENCE_SIDE) ** 2
        return (v * self.apply(v)).sum() / v[0, 0].numel() * scale


def _luminance(x: torch.Tensor) -> torch.Tensor:
    return (0.299 * x[:, 0] + 0.587 * x[:, 1] + 0.114 * x[:, 2]).unsqueeze(1)


def edge_map(image: torch.Tensor) -> torch.Tensor:
    """(1, 3, H, W) RGB in [0, 1] -> (1, 1, H - 2, W - 2) Sobel gradient magnitude of its luminance."""
    check_rgb_batch(image, "image")
    sobel = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]], device=image.device)[None, None]
    luminance = _luminance(image.float())
    return torch.hypot(F.conv2d(luminance, sobel), F.conv2d(luminance, sobel.transpose(-1, -2)))


def edge_correlation(output: torch.Tensor, content: torch.Tensor) -> float:
    """Pearson correlation, in [-1, 1], of the edge maps of ``output`` and ``content`` (both (1, 3, H, W))."""
    a, b = (edge_map(x).flatten() for x in (output, content))
    a, b = a - a.mean(), b - b.mean()
    return float((a * b).sum() / (a.norm() * b.norm()).clamp(min=1e-12))


def colour_statistics(image: torch.Tensor) -> torch.Tensor:
    """(1, 3, H, W) RGB -> (6,) each channel's mean, then each channel's standard deviation."""
    pixels = image[0].float().flatten(1)
    return torch.cat([pixels.mean(dim=1), pixels.std(dim=1)])


def colour_shift(output: torch.Tensor, content: torch.Tensor, style: torch.Tensor) -> float:
    """How far ``output``'s colour statistics moved from ``content``'s toward ``style``'s: 0 not at all, 1 all the way
    (the projection of the move on the line between the two)."""
    start, goal = colour_statistics(content), colour_statistics(style)
    way = goal - start
    return float((colour_statistics(output) - start) @ way / (way @ way).clamp(min=1e-12))
