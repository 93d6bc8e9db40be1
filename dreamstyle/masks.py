"""Masks as the APIs and the CLI take them (files, images or tensors, and for clips a folder with one per frame),
and the regions they make: where each style lands.

The engines take tensors (:func:`~dreamstyle.deepdream.engine.dream_tensor`'s
``mask``, :class:`Regions` for every style engine); this module reads what a
user gives, checks it against the picture it covers, and hands out each
frame's: :class:`DreamMask` for a dream, :class:`RegionMasks` (one mask per
style over the output, optionally one over each style image) for a transfer.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch

from .errors import ImageReadError, InvalidArgumentError, Setting, count_of
from .imaging.mask import MaskLike, as_mask, fitted_mask, mask_at
from .imaging.read import IMAGE_EXTENSIONS, images_in


def _is_path(mask: object) -> bool:
    return isinstance(mask, (str, os.PathLike))


class FrameMasks:
    """A mask for every frame: one mask for all of them, or a folder holding one per frame, in natural order.

    Args:
        mask: a file, a folder, a Pillow image or a tensor (see :func:`~dreamstyle.imaging.mask.as_mask`).
        name: what errors call it (a file's path by default).
    """

    def __init__(self, mask: MaskLike, name: str | None = None) -> None:
        self.name = name or (os.fspath(mask) if _is_path(mask) else "mask")
        self.paths: list[Path] | None = None
        self.single: torch.Tensor | None = None
        if _is_path(mask) and Path(mask).is_dir():
            self.paths = images_in(Path(mask))
            if not self.paths:
                raise ImageReadError(f"{self.name}: the folder holds no masks ({', '.join(IMAGE_EXTENSIONS)})")
        else:
            self.single = as_mask(mask, self.name)

    def check(self, frames: int | None) -> None:
        """Raise InvalidArgumentError unless there is a mask for each of ``frames`` frames (None: a clip of unknown
        length)."""
        if self.paths is not None and frames is not None and len(self.paths) < frames:
            raise InvalidArgumentError(f"{self.name}: {count_of(len(self.paths), 'mask')} for "
                                       f"{count_of(frames, 'frame')}; give one per frame")

    def check_still(self) -> None:
        """Raise InvalidArgumentError if this is a folder: a still takes one mask."""
        if self.paths is not None:
            raise InvalidArgumentError(f"{self.name}: a folder of masks is for a clip, one mask per frame; "
                                       f"give one mask file for a still")

    def files(self) -> list[Path]:
        """The mask files this reads (for metadata and for never writing over an input)."""
        return list(self.paths) if self.paths is not None else []

    def at(self, index: int, size: tuple[int, int]) -> torch.Tensor:
        """Frame ``index``'s mask (1, 1, H, W) at ``size``, refusing one of another shape."""
        if self.paths is None:
            return fitted_mask(self.single, size, self.name)
        if index >= len(self.paths):
            raise InvalidArgumentError(f"{self.name}: no mask for frame {index} (the folder holds "
                                       f"{count_of(len(self.paths), 'mask')}); give one per frame")
        path = self.paths[index]
        return fitted_mask(as_mask(path, os.fspath(path)), size, os.fspath(path))

    @property
    def label(self) -> str:
        """How the run's metadata names it: the file or folder name."""
        return Path(self.name).name


class DreamMask:
    """The dream's mask for each frame (a :data:`~dreamstyle.video.temporal.DreamMasks`); None: no mask."""

    def __init__(self, mask: MaskLike | None, frames: int | None = None, still: bool = False) -> None:
        self.masks = None if mask is None else FrameMasks(mask)
        if self.masks is not None:
            self.masks.check_still() if still else self.masks.check(frames)

    def __call__(self, index: int, size: tuple[int, int]) -> torch.Tensor | None:
        return None if self.masks is None else self.masks.at(index, size)

    def metadata(self) -> dict:
        return {} if self.masks is None else {"mask": self.masks.label}

    def files(self) -> list[Path]:
        return [] if self.masks is None else self.masks.files() or existing_files([self.masks.name])


def mask_name(mask: object, index: int, kind: str) -> str:
    """How errors name mask ``index`` of ``kind``: its path, or ``kind[index]`` for an image or tensor."""
    return os.fspath(mask) if _is_path(mask) else f"{kind}[{index}]"


def existing_files(names: Sequence[str | None]) -> list[Path]:
    """The names that are files on disk, as paths (a mask given as an image or tensor has none)."""
    return [Path(name) for name in names if name is not None and Path(name).is_file()]


@dataclass(frozen=True)
class Regions:
    """Where each style lands.

    Attributes:
        masks: (K, 1, H, W) in [0, 1], one per style image, over the output
            (any size: each scale resizes them).
        style_masks: per style image, a (1, 1, h, w) mask over that image
            saying which part of it the style comes from, or None for all of it
            (empty: all of every style image).
    """

    masks: torch.Tensor
    style_masks: tuple[torch.Tensor | None, ...] = ()

    def __post_init__(self) -> None:
        if self.masks.dim() != 4 or self.masks.shape[1] != 1:
            raise InvalidArgumentError.about("masks", f"must be (K, 1, H, W), got {tuple(self.masks.shape)}")
        if self.style_masks and len(self.style_masks) != len(self.masks):
            raise InvalidArgumentError(Setting("style_masks"), f": {count_of(len(self.style_masks), 'mask')} for "
                                       f"{count_of(len(self.masks), 'mask')} over the output; give one per style")

    @classmethod
    def of(cls, masks: Sequence[torch.Tensor], style_masks: Sequence[torch.Tensor | None] = ()) -> "Regions":
        """Regions from one (1, 1, H, W) mask per style (resized to the first's size) and optional style masks."""
        if not masks:
            raise InvalidArgumentError(Setting("masks"), ": give one mask per style image")
        size = tuple(masks[0].shape[-2:])
        return cls(torch.cat([mask_at(mask.float(), size) for mask in masks]), tuple(style_masks))

    def check(self, styles: int) -> None:
        """Raise InvalidArgumentError unless there is one mask per style image."""
        check_one_per_style("masks", len(self.masks), styles)

    def style_mask(self, index: int) -> torch.Tensor | None:
        return self.style_masks[index] if self.style_masks else None

    def at(self, size: tuple[int, int], device: torch.device) -> torch.Tensor:
        """The masks (K, 1, h, w) at ``size`` on ``device``."""
        return mask_at(self.masks.to(device), size)


def check_one_per_style(kind: str, masks: int, styles: int) -> None:
    """Raise InvalidArgumentError, naming ``kind``, unless there are as many ``masks`` as ``styles``."""
    if masks != styles:
        raise InvalidArgumentError(Setting(kind), f": {count_of(masks, 'mask')} for {count_of(styles, 'style image')}; "
                                   f"give one per style, in the same order")


def coverage(masks: torch.Tensor) -> torch.Tensor:
    """(K, 1, H, W) masks -> (1, 1, H, W) how much of each pixel some mask covers, in [0, 1]."""
    return masks.sum(dim=0, keepdim=True).clamp_(max=1.0)


class RegionMasks:
    """The masks of a transfer as given, read and checked: for each frame, where each style lands (its
    :class:`Regions`); no masks: every style everywhere.

    Args:
        masks: one per style image, over the output (each a file, folder, image or tensor), or None.
        style_masks: one per style image, over that image (None entries: all of it), or None.
        style_sizes: each style image's (H, W): a style mask must have its shape.
        frames: for a clip, how many frames, if known (a folder of masks must hold a mask for each).
        still: for a still (a folder of masks is refused).
    """

    def __init__(self, masks: Sequence[MaskLike] | None, style_masks: Sequence[MaskLike | None] | None,
                 style_sizes: Sequence[tuple[int, int]], frames: int | None = None, still: bool = False) -> None:
        if masks and any(mask is None for mask in masks):
            raise InvalidArgumentError(Setting("masks"), ": every style needs a mask; leave none empty")
        self.masks = [FrameMasks(mask, mask_name(mask, index, "masks")) for index, mask in enumerate(masks or [])]
        if style_masks and not masks:
            raise InvalidArgumentError("style_masks choose where each style comes from; give masks too, saying "
                                       "where each style goes")
        for kind, given in (("masks", self.masks), ("style_masks", style_masks or [])):
            if given:
                check_one_per_style(kind, len(given), len(style_sizes))
        for mask in self.masks:
            mask.check_still() if still else mask.check(frames)
        self.style_mask_names = [None if mask is None else mask_name(mask, index, "style_masks")
                                 for index, mask in enumerate(style_masks or [])]
        self.style_masks = tuple(None if mask is None else fitted_mask(as_mask(mask, name), tuple(size), name)
                                 for mask, name, size in zip(style_masks or [], self.style_mask_names, style_sizes))

    def __call__(self, index: int, size: tuple[int, int]) -> Regions | None:
        if not self.masks:
            return None
        return Regions.of([mask.at(index, size) for mask in self.masks], self.style_masks)

    def metadata(self) -> dict:
        if not self.masks:
            return {}
        labels = {"masks": [mask.label for mask in self.masks]}
        if self.style_masks:
            labels["style_masks"] = [None if name is None else Path(name).name for name in self.style_mask_names]
        return labels

    def files(self) -> list[Path]:
        paths = [path for mask in self.masks for path in (mask.files() or existing_files([mask.name]))]
        return paths + existing_files(self.style_mask_names)
