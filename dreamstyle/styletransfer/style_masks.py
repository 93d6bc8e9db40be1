"""Style transfer's masks as the APIs and the CLI take them: one per style over the output, and one per style image."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..errors import InvalidArgumentError, Setting
from ..imaging.mask import MaskLike, as_mask, fitted_mask
from ..masks import FrameMasks, existing_files, mask_name
from .regions import Regions, check_one_per_style


class StyleMasks:
    """Where each style lands on each frame (a :data:`~dreamstyle.video.temporal.StyleRegions`); no masks: everywhere.

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
