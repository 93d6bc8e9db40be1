"""Masks: grayscale images that say where (white) and where not (black), soft edges allowed."""

from __future__ import annotations

import os

import torch
from PIL import Image

from ..errors import InvalidArgumentError, Setting
from .picture import Picture
from .read import as_picture
from .resizing import resize

MaskLike = "str | os.PathLike | Image.Image | torch.Tensor | Picture"


def as_mask(mask: MaskLike, name: str = "mask") -> torch.Tensor:
    """What the Python API takes as a mask, as a (1, 1, H, W) float32 tensor in [0, 1] on the CPU.

    Args:
        mask: a file path, Pillow image or Picture (its gray level; an alpha
            channel multiplies it, so transparent means "not here"), or a
            tensor (H, W), (1, H, W) or (1, 1, H, W) of values in [0, 1].
        name: what to call it in errors.
    """
    if isinstance(mask, torch.Tensor):
        values = mask.detach().float().cpu()
        while values.dim() < 4:
            values = values.unsqueeze(0)
        if values.dim() != 4 or values.shape[:2] != (1, 1):
            raise InvalidArgumentError(Setting(name), ": a mask tensor must be (H, W), (1, H, W) or (1, 1, H, W), "
                                       f"got {tuple(mask.shape)}")
        if not torch.isfinite(values).all() or values.min() < 0 or values.max() > 1:
            raise InvalidArgumentError(Setting(name), ": mask values must lie in [0, 1]")
        return values
    picture = as_picture(mask if isinstance(mask, (Image.Image, Picture)) else os.fspath(mask))
    gray = picture.rgb.mean(dim=0, keepdim=True)
    if picture.alpha is not None:
        gray = gray * picture.alpha
    return gray.unsqueeze(0)


def mask_at(mask: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """(..., 1, H, W) mask resized to ``size`` = (h, w): bilinear, antialiased when shrinking, so a soft edge keeps
    its ramp (bicubic would ring beside it)."""
    return resize(mask.float(), tuple(size), mode="bilinear")


# A mask stretched further than this from its image's shape was painted for another picture.
ASPECT_TOLERANCE = 0.02


def fitted_mask(mask: torch.Tensor, size: tuple[int, int], name: str) -> torch.Tensor:
    """(1, 1, H, W) ``mask`` resized to ``size`` (h, w), refusing one of another shape (named ``name`` in the error)."""
    height, width = mask.shape[-2:]
    if abs((width / height) / (size[1] / size[0]) - 1) > ASPECT_TOLERANCE:
        raise InvalidArgumentError(Setting(name), f": the mask is {width}x{height} px and the image it covers "
                                   f"{size[1]}x{size[0]}; a mask may be any size (it is resized) but must be the "
                                   f"same shape, width to height {size[1] / size[0]:.2f} (this one "
                                   f"{width / height:.2f})")
    return mask_at(mask, size)
