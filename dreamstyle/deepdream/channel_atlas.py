"""What each filter sees: one small dream per channel, and the first layer's kernels."""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F

from ..backbone import VGGFeatures
from ..errors import Assignment, InvalidArgumentError
from ..runs import run_stoppable
from ..seeds import make_generator
from .config import ATLAS_CONFIG, DreamConfig
from .engine import ProgressCallback, dream_steps, dream_tensor
from .objectives import ChannelPerImageObjective, check_channels

BATCH = 16


def atlas_config(layer: str, **settings) -> DreamConfig:
    """The atlas defaults with ``settings`` (DreamConfig fields) applied, dreaming on ``layer``."""
    return DreamConfig(**{**ATLAS_CONFIG.to_dict(), **settings, "layers": layer, "channels": ""})


def atlas_steps(net: VGGFeatures, config: DreamConfig, channels: int, size: int) -> int:
    """How many steps :func:`channel_atlas` will take (for progress bars)."""
    return math.ceil(channels / BATCH) * dream_steps(net, size, size, config)


def smooth_noise(count: int, size: int, generator: torch.Generator) -> torch.Tensor:
    """(count, 3, size, size) grey with soft coloured noise: a neutral start for every channel."""
    coarse = torch.randn(count, 3, max(2, size // 8), max(2, size // 8), generator=generator, device="cpu")
    noise = F.interpolate(coarse, size=(size, size), mode="bicubic", align_corners=False)
    return (0.5 + 0.08 * noise).clamp(0.0, 1.0)


def channel_atlas(
    net: VGGFeatures,
    layer: str,
    channels: Sequence[int],
    *,
    seed: int,
    size: int = 128,
    start: torch.Tensor | None = None,
    config: DreamConfig = ATLAS_CONFIG,
    callback: ProgressCallback | None = None,
) -> torch.Tensor:
    """One dream per channel of ``layer``, each maximising only that channel.

    Args:
        net: the backbone.
        layer: e.g. ``"relu4_2"``.
        channels: channel indices.
        seed: makes the noise and jitter reproducible.
        size: side of each square tile in px.
        start: optional (1, 3, size, size) image in [0, 1] to grow from instead of noise.
        config: engine settings (its layers are replaced by ``layer``).
        callback: progress of each batch of channels.

    Returns:
        (len(channels), 3, size, size) in [0, 1], on the CPU. If ``callback`` raises :class:`RunStopped`,
        the tiles so far: every finished batch's, then the stopped batch's pictures so far (fewer than
        ``len(channels)`` when later batches were never begun).
    """
    if not channels:
        raise InvalidArgumentError("choose at least one channel")
    check_channels(net, ((layer, tuple(channels)),))
    config = atlas_config(layer, **{k: v for k, v in config.to_dict().items() if k not in ("layers", "channels")})
    generator = make_generator(seed)
    tiles = []
    for first in range(0, len(channels), BATCH):
        chunk = list(channels[first:first + BATCH])
        begin = smooth_noise(len(chunk), size, generator) if start is None else start.expand(len(chunk), -1, -1, -1)
        objective = ChannelPerImageObjective(net, layer, chunk)
        batch, stopped = run_stoppable(
            lambda reported: dream_tensor(net, begin, config, seed=seed + first, objective=objective,
                                          callback=reported),  # noqa: B023 (called at once)
            callback, (size, size))
        tiles.append(batch.cpu())
        if stopped:
            break
    return torch.cat(tiles)


def first_layer_filters(net: VGGFeatures, layer: str = "conv1_1") -> torch.Tensor:
    """The kernels of the first convolution as RGB patches, (C, 3, 3, 3) in [0, 1].

    Only the first layer's kernels act on colours, so only they can be shown
    as pictures; each kernel is stretched to use the whole value range.
    """
    if net.spec(layer).index != 0:
        raise InvalidArgumentError(
            f"only the first layer (conv1_1) has kernels over RGB colours; draw {layer}'s channels as an atlas (",
            Assignment("layer", layer), ") instead"
        )
    weight = net.features[0].weight.detach().float().cpu()
    if net.preprocessing.channel_order == "BGR":
        weight = weight.flip(1)
    low = weight.amin(dim=(1, 2, 3), keepdim=True)
    high = weight.amax(dim=(1, 2, 3), keepdim=True)
    return (weight - low) / (high - low).clamp(min=1e-8)
