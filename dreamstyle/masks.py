"""Masks as the APIs and the CLI take them: files, images or tensors, and for clips a folder with one per frame.

The engines take tensors (:func:`~dreamstyle.deepdream.engine.dream_tensor`'s
``mask``, :class:`~dreamstyle.styletransfer.regions.Regions`); this module
reads what a user gives, checks it against the picture it covers, and hands
out each frame's (style transfer's masks, one per style, build on it in
:mod:`dreamstyle.styletransfer.style_masks`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import torch

from .errors import ImageReadError, InvalidArgumentError, count_of
from .imaging.mask import MaskLike, as_mask, fitted_mask
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
