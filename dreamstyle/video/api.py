"""The Python API for clips: functions that take frames and yield frames."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import torch
from PIL import Image

from ..backbone import BackboneChoice, VGGFeatures
from ..deepdream.request import DreamRequest
from ..engines import PreparedRun
from ..imaging import picture_to_pil
from ..imaging.mask import MaskLike
from ..imaging.read import ImageLike, as_picture
from ..imaging.resizing import resize
from ..runs import Run
from ..transfer_request import TransferRequest
from .config import DREAM_TEMPORAL, TRANSFER_TEMPORAL, TemporalConfig
from .temporal import render_sequence


def _batches(frames: Iterable[ImageLike], run: Run) -> Iterator[tuple[int, torch.Tensor]]:
    """(index, (1, 3, H, W)) for each frame, all at the size ``run`` makes of the first frame."""
    hw = None
    for index, frame in enumerate(frames):
        batch = as_picture(frame).batch()
        hw = hw or run.fitted_size(*batch.shape[-2:])
        yield index, resize(batch, hw)


def _render(frames: Iterable[ImageLike], prepared: PreparedRun, temporal: TemporalConfig
            ) -> Iterator[Image.Image]:
    metadata = prepared.metadata(temporal=temporal.to_dict())
    for _, _, output in render_sequence(_batches(frames, prepared.run), prepared.renderer(temporal)):
        image = picture_to_pil(as_picture(output))
        image.info["dreamstyle"] = metadata
        yield image


def dream_frames(
    frames: Iterable[ImageLike],
    *,
    temporal: str | TemporalConfig = "flow",
    blend: float | None = None,
    frame_iterations: int | None = None,
    preset: str | os.PathLike | None = None,
    like: str | os.PathLike | Mapping[str, Any] | None = None,
    size: int | None = None,
    seed: int | None = None,
    guide: ImageLike | None = None,
    backbone: VGGFeatures | BackboneChoice | None = None,
    mask: MaskLike | None = None,
    **settings: Any,
) -> Iterator[Image.Image]:
    """Dream on a clip, frame by frame, each frame building on the last; yields Pillow frames.

    Args:
        frames: the clip's frames in order (paths, Pillow images, Pictures or
            (3, H, W) tensors); read lazily, one at a time.
        temporal: ``"none"``, ``"blend"`` or ``"flow"`` (default), or a TemporalConfig.
        blend: share of the previous frame's dreamed detail carried over (default 0.8).
        frame_iterations: steps per octave for frames after the first (default 1).
        mask: one mask for every frame, or a folder of masks, one per frame in natural order.
        **others: as for :func:`dreamstyle.dream`.
    """
    config = _temporal(DREAM_TEMPORAL, temporal, blend, frame_iterations, None)
    request = DreamRequest.of(preset=preset, like=like, size=size, seed=seed, guide=guide, mask=mask, **settings)
    yield from _render(frames, request.prepare(backbone), config)


def transfer_frames(
    frames: Iterable[ImageLike],
    styles: ImageLike | Sequence[ImageLike],
    *,
    temporal: str | TemporalConfig = "flow",
    blend: float | None = None,
    frame_iterations: int | None = None,
    temporal_weight: float | None = None,
    preset: str | os.PathLike | None = None,
    like: str | os.PathLike | Mapping[str, Any] | None = None,
    size: int | None = None,
    seed: int | None = None,
    backbone: VGGFeatures | BackboneChoice | None = None,
    masks: Sequence[MaskLike] | None = None,
    style_masks: Sequence[MaskLike | None] | None = None,
    **settings: Any,
) -> Iterator[Image.Image]:
    """Paint a clip in the style of ``styles``, frame by frame, each frame building on the last.

    Args:
        frames: the clip's frames in order; read lazily, one at a time.
        styles: one style image or a list of them.
        temporal: ``"none"``, ``"blend"`` or ``"flow"`` (default), or a TemporalConfig.
        blend: share of the previous result carried into the next frame's start (default 1).
        frame_iterations: iterations for frames after the first (default 40).
        temporal_weight: weight of the temporal loss in ``flow`` mode (default 20).
        masks: one per style: a mask for every frame, or a folder of masks, one per frame in natural order.
        style_masks: as for :func:`dreamstyle.transfer`.
        **others: as for :func:`dreamstyle.transfer` (the output is the clip's size, at most 512 px, unless ``size`` says otherwise).
    """
    config = _temporal(TRANSFER_TEMPORAL, temporal, blend, frame_iterations, temporal_weight)
    request = TransferRequest.of(styles, preset=preset, like=like, size=size, seed=seed, masks=masks,
                                 style_masks=style_masks, **settings)
    yield from _render(frames, request.prepare(backbone), config)


def _temporal(defaults: TemporalConfig, temporal: str | TemporalConfig, blend, frame_iterations, temporal_weight
              ) -> TemporalConfig:
    if isinstance(temporal, TemporalConfig):
        return temporal
    return defaults.updated(mode=temporal, blend=blend, frame_iterations=frame_iterations,
                            temporal_weight=temporal_weight)
