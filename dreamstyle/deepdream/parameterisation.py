"""How a dream step moves pixels: in which colour space, and how near the limits of [0, 1].

Plain DeepDream adds the gradient to RGB and clamps. Two departures, after
Olah et al., "Feature Visualization" (Distill 2017) and Mordvintsev et al.,
"Differentiable Image Parameterizations" (Distill 2018):

- :func:`decorrelated` colour: the step is taken in a decorrelated colour space,
  ``rgb = C @ y`` with C the square root of natural images' colour
  covariance, so the RGB step is ``C @ C.T @ gradient``. Each channel's
  gradient alone pushes toward saturated primaries; this one moves mostly
  along the axes natural colours vary on (lightness first), which keeps hues
  near the photo's.
- soft bounds (:func:`take_step`, :func:`detail_of`): the image is held as
  ``sigmoid(z)`` and the step is taken on z, so a pixel slows as it nears 0
  or 1 instead of piling up there under the clamp. Unlike lucid, the photo is the start, so z is the photo's logit
  and only the step goes through the squashing.
"""

from __future__ import annotations

import torch

from .config import BOUNDS

# lucid's colour_correlation_svd_sqrt (ImageNet's colour covariance, square
# root by SVD), its columns scaled so the largest has unit norm as lucid does.
_CORRELATION_SQRT = torch.tensor([[0.26, 0.09, 0.02],
                                  [0.27, 0.00, -0.05],
                                  [0.27, -0.09, 0.03]])
_CORRELATION_SQRT = _CORRELATION_SQRT / _CORRELATION_SQRT.norm(dim=0).max()

# A photo's pure black or white has an infinite logit: start such pixels this far inside [0, 1].
_EDGE = 1.0 / 1024
# sigmoid's slope at 0.5 is 1/4: a step of 4 * step on z moves a mid-grey pixel by ``step``, as a plain step would.
_MID_SLOPE = 4.0


def decorrelated(gradient: torch.Tensor) -> torch.Tensor:
    """``C @ C.T`` applied to each pixel's colour of ``gradient`` (N, 3, H, W): the RGB step of a decorrelated one."""
    if gradient.ndim != 4 or gradient.shape[1] != 3:
        raise ValueError(f"gradient must be (N, 3, H, W), got {tuple(gradient.shape)}")
    colour = _CORRELATION_SQRT.to(gradient.device, gradient.dtype)
    return torch.einsum("ij,njhw->nihw", colour @ colour.T, gradient)


def detail_of(dreamed: torch.Tensor, base: torch.Tensor, bounds: str) -> torch.Tensor:
    """What a dream added to ``base`` (both (N, 3, H, W) in [0, 1]): a difference of pixels, or of logits when soft.

    Carried up an octave and added back by :func:`with_detail`; as a logit
    difference it cannot push the next octave's pixels out of [0, 1], where
    the clamp would flatten them.
    """
    if bounds == "soft":
        return torch.logit(dreamed, eps=_EDGE).sub_(torch.logit(base, eps=_EDGE))
    return dreamed.sub(base)


def with_detail(base: torch.Tensor, detail: torch.Tensor, bounds: str) -> torch.Tensor:
    """``base`` (N, 3, H, W) in [0, 1] with ``detail`` from :func:`detail_of` added back, in [0, 1]."""
    if bounds == "soft":
        return torch.sigmoid_(torch.logit(base, eps=_EDGE).add_(detail))
    return base.add(detail).clamp_(0.0, 1.0)


def take_step(x: torch.Tensor, direction: torch.Tensor, step: float, bounds: str) -> torch.Tensor:
    """``x`` (N, 3, H, W) in [0, 1] moved ``step`` along ``direction``, in place, within [0, 1].

    ``bounds="clamp"`` adds and clamps; ``"soft"`` adds ``4 * step * direction``
    to ``logit(x)``, the same move for mid-grey and a vanishing one at 0 and 1.
    """
    if bounds == "clamp":
        return x.add_(direction, alpha=step).clamp_(0.0, 1.0)
    if bounds != "soft":
        raise ValueError(f"bounds must be one of {', '.join(BOUNDS)}, got {bounds!r}")
    z = torch.logit(x, eps=_EDGE).add_(direction, alpha=_MID_SLOPE * step)
    return x.copy_(torch.sigmoid_(z))
