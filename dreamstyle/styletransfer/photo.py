"""Photorealism: keep the photo's edges and local structure while the style moves its colours.

Two tools, on one guided filter (He et al. 2010, :mod:`dreamstyle.imaging.guided_filter`) with the content as
guide:

- :class:`MattingLaplacian`, Luan et al. 2017's photorealism term: the
  matting Laplacian of the content (Levin et al. 2008) as a penalty on the
  output, ``sum_c V_c^T L V_c``. It is zero when, in every 3 x 3 window, each
  output channel is an affine function of the content's colours: colours may
  change, new edges and strokes may not.
- :func:`~dreamstyle.imaging.guided_filter.photo_filtered` as a pass after
  the picture is made (the fast alternative; Li et al. 2018 use it to
  approximate their smoothing step): the output is replaced by its best
  local affine fit on the content. Every style engine offers it.

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

from ..imaging.guided_filter import REFERENCE_SIDE, GuidedFilter
from ..imaging.picture import check_rgb_batch

# Levin et al.'s regulariser: near 0, so a window's affine model follows the
# content's colours closely; it only keeps flat windows' systems solvable.
MATTING_EPS = 1e-7
MATTING_WINDOW = 9  # pixels in a 3 x 3 window


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
