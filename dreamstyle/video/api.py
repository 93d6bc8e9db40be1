"""The Python API for clips: functions that take frames and yield frames."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import torch
from PIL import Image

from ..backbone import BackboneChoice, VGGFeatures
from ..imaging import picture_to_pil
from ..imaging.mask import MaskLike
from ..imaging.read import ImageLike, as_picture
from ..masks import DreamMask
from ..styletransfer.style_masks import StyleMasks
from ..imaging.resizing import fit_longest_side, resize
from ..runs import Run
from .config import DREAM_TEMPORAL, TRANSFER_TEMPORAL, TemporalConfig
from .temporal import FrameRenderer, dream_renderer, render_sequence, transfer_renderer


def _batches(frames: Iterable[ImageLike], run: Run) -> Iterator[tuple[int, torch.Tensor]]:
    """(index, (1, 3, H, W)) for each frame, all at the size ``run`` makes of the first frame."""
    hw = None
    for index, frame in enumerate(frames):
        batch = as_picture(frame).batch()
        if hw is None:
            height, width = batch.shape[-2:]
            side = run.side_for(height, width)
            hw = (height, width) if side is None else fit_longest_side(height, width, side)
        yield index, resize(batch, hw)


def _render(frames: Iterable[ImageLike], renderer: FrameRenderer, run: Run, metadata: dict
            ) -> Iterator[Image.Image]:
    for _, _, output in render_sequence(_batches(frames, run), renderer):
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
    from ..deepdream import prepare_run

    config = _temporal(DREAM_TEMPORAL, temporal, blend, frame_iterations, None)
    run, net, guide_batch = prepare_run(guide, like, backbone, preset=preset, size=size, seed=seed, **settings)
    masks = DreamMask(mask)
    renderer = dream_renderer(net, run.config, config, seed=run.seed, guide=guide_batch, masks=masks)
    yield from _render(frames, renderer, run, {**run.metadata(net, **masks.metadata()), "temporal": config.to_dict()})


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
    from ..styletransfer import prepare_run

    config = _temporal(TRANSFER_TEMPORAL, temporal, blend, frame_iterations, temporal_weight)
    run, net, style_batches, _, names = prepare_run(styles, like, backbone, preset=preset, size=size, seed=seed,
                                                    **settings)
    regions = StyleMasks(masks, style_masks, [batch.shape[-2:] for batch in style_batches])
    renderer = transfer_renderer(net, style_batches, run.config, config, seed=run.seed, regions=regions)
    yield from _render(frames, renderer, run, {**run.metadata(net, styles=names, **regions.metadata()),
                                               "temporal": config.to_dict()})


def _temporal(defaults: TemporalConfig, temporal: str | TemporalConfig, blend, frame_iterations, temporal_weight
              ) -> TemporalConfig:
    if isinstance(temporal, TemporalConfig):
        return temporal
    return defaults.updated(mode=temporal, blend=blend, frame_iterations=frame_iterations,
                            temporal_weight=temporal_weight)
