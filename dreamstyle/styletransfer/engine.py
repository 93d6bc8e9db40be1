"""The style-transfer engine (Gatys et al.), coarse to fine, as a pure function of tensors.

Its parts live beside it: the schedule of scales (:mod:`.schedule`), where
each scale starts (:mod:`.starts`), the optimisers (:mod:`.optimisers`), the
style statistics (:mod:`.statistic`) and the tiles for huge pictures
(:mod:`.tiles`); this module holds the targets, the losses and the run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import torch

from ..backbone import VGGFeatures
from ..backbone.features import positions_by_channels
from ..imaging.colour import luminance, match_colors, match_luminance, with_chroma_of
from ..imaging.guided_filter import photo_filtered
from ..imaging.mask import mask_at
from ..imaging.resizing import fit_longest_side, resize
from ..masks import Regions, coverage
from ..seeds import make_generator
from ..styles import style_weights
from .config import TransferConfig
from .content import ContentTarget
from .gram import GramStatistic
from .losses import Losses, pixel_losses
from .optimisers import Report, optimise
from .photo import MattingLaplacian
from .regions import RegionWeights, region_strengths
from .schedule import Scale, scale_schedule, total_iterations
from .sliced import SlicedWasserstein, random_directions
from .starts import Painter, finer_start, initial_image
from .statistic import StyleStatistic, StyleTarget
from .tiles import TileGrid, tiled_objective


@dataclass(frozen=True)
class TransferProgress:
    """Reported as the optimiser goes (L-BFGS: after every call of LBFGS_CHUNK iterations).

    Attributes:
        scale / scales: 0-based index of the current size, and how many.
        iteration / iterations: iterations done at this scale, and planned.
        size: (H, W) of this scale.
        content / style / tv / temporal: the weighted losses (0-d tensors;
            reading one synchronises with the device, so read them only to
            print). ``temporal`` is 0 outside video.
        image: (1, 3, H, W) the current image (the live tensor).
        tile: tile side in use at this scale, 0 for none.
        run_done / run_total: iterations done in the whole run (all scales), and planned.
        iterations_made: iterations the optimiser really made at this scale. Equal to
            ``iteration``, except on the last report of a scale that ended
            early because L-BFGS could go no lower (:attr:`converged`), where
            ``iteration`` jumps to ``iterations`` so progress bars complete.
    """

    scale: int
    scales: int
    iteration: int
    iterations: int
    size: tuple[int, int]
    content: torch.Tensor
    style: torch.Tensor
    tv: torch.Tensor
    temporal: torch.Tensor
    image: torch.Tensor
    tile: int = 0
    run_done: int = 0
    run_total: int = 0
    iterations_made: int = 0
    photo: torch.Tensor | None = None  # the weighted photorealism term; None when off

    @property
    def converged(self) -> bool:
        """Whether this scale ended before its planned iterations, L-BFGS unable to go lower."""
        return self.iterations_made < self.iteration

    def stage(self) -> str:
        return f"scale {self.scale + 1} of {self.scales}"

    def losses(self) -> dict[str, float]:
        shown = {"content": float(self.content), "style": float(self.style), "tv": float(self.tv)}
        if self.photo is not None and float(self.photo):
            shown["photo"] = float(self.photo)
        return shown

    def status(self) -> str:
        height, width = self.size
        temporal = float(self.temporal)
        photo = 0.0 if self.photo is None else float(self.photo)
        return (f"scale {self.scale + 1}/{self.scales} {width}x{height} content {float(self.content):.3g} "
                f"style {float(self.style):.3g} tv {float(self.tv):.3g}"
                + (f" temporal {temporal:.3g}" if temporal else "")
                + (f" photo {photo:.3g}" if photo else "")
                + (f" (converged after {self.iterations_made} iterations)" if self.converged else ""))


ProgressCallback = Callable[[TransferProgress], None]


@dataclass(frozen=True)
class TemporalTarget:
    """For video: the previous frame's result warped onto this frame, and where to trust it.

    Attributes:
        image: (1, 3, H, W) RGB in [0, 1] at the output size.
        mask: (1, 1, H, W) in [0, 1], 1 where the warp is reliable.
        weight: weight of the temporal loss.
    """

    image: torch.Tensor
    mask: torch.Tensor
    weight: float

    def at(self, size: tuple[int, int], device: torch.device) -> "TemporalTarget":
        """This target resized to ``size`` on ``device``."""
        return TemporalTarget(resize(self.image.to(device, torch.float32), size),
                              resize(self.mask.to(device, torch.float32), size), self.weight)


@dataclass(frozen=True)
class Targets:
    """What one scale optimises toward, and how it is cut into tiles.

    Attributes:
        content: the content target (whole, or tile by tile), with its weight and loss.
        style: the style statistic's target (blended, or one per region), with its loss.
        temporal: for video, the warped previous frame at this size.
        grid: the tiles (``grid.tile == 0``: one piece).
        coverage: with regions, (1, 1, H, W) how much of each pixel they cover.
        matting: for the photorealism term, the matting Laplacian of the content at this size.
    """

    content: ContentTarget
    style: StyleTarget
    temporal: TemporalTarget | None = None
    grid: TileGrid | None = None
    coverage: torch.Tensor | None = None
    matting: MattingLaplacian | None = None


def compute_targets(net: VGGFeatures, content: torch.Tensor, styles: Sequence[torch.Tensor],
                    config: TransferConfig, blend: Sequence[float], size: tuple[int, int],
                    temporal: TemporalTarget | None = None, statistic: StyleStatistic | None = None,
                    regions: Regions | None = None) -> Targets:
    """Targets at ``size``: features of the resized content, and the target of ``statistic`` (default: Gram
    matrices) of the styles resized by ``style_scale``.

    Without ``regions`` the styles' statistics are blended by ``blend``; with
    them each style keeps its own, taken over its style mask, and ``blend``
    sets each region's strength (:func:`~dreamstyle.styletransfer.regions.region_strengths`).
    The tiles follow ``config.tile`` (None: only when the image would not fit in memory).
    """
    statistic = statistic or GramStatistic()
    style_layers = config.style_layer_names
    grid = TileGrid.plan(net, config.layer_names, size, config.tile)
    side = max(16, round(max(size) * config.style_scale))
    per_style = []
    for index, style in enumerate(styles):
        style_size = fit_longest_side(style.shape[-2], style.shape[-1], side)
        image = resize(style, style_size)
        style_mask = regions and regions.style_mask(index)
        maps = None if style_mask is None else RegionWeights.of(
            mask_at(style_mask.to(image.device), style_size), strides(net, style_layers), (1.0,)).maps
        per_style.append(statistic.of_image(net, image, style_layers,
                                            TileGrid.plan(net, style_layers, style_size, config.tile), maps))
    temporal = temporal and temporal.at(size, content.device)
    content_image = resize(content, size)
    matting = MattingLaplacian(content_image) if config.matting_weight else None
    region_weights = covered = None
    if regions is not None:
        masks = regions.at(size, content.device)
        region_weights = RegionWeights.of(masks, strides(net, style_layers), region_strengths(blend))
        covered = coverage(masks)
    style_target = statistic.target(per_style, blend, region_weights, net, size, bool(grid.tile))
    content_target = ContentTarget.of(net, content_image, config.content_layers, config.content_weight, grid)
    return Targets(content_target, style_target, temporal, grid, covered, matting)


def strides(net: VGGFeatures, layers: Sequence[str]) -> dict[str, int]:
    """Each of ``layers``' stride in pixels."""
    return {name: net.spec(name).stride for name in layers}


def style_statistic(net: VGGFeatures, config: TransferConfig, seed: int) -> StyleStatistic:
    """The statistic ``config.style_loss`` names: Gram matrices, or sliced Wasserstein with directions from ``seed``."""
    if config.style_loss == "sliced-wasserstein":
        return SlicedWasserstein(random_directions({name: net.spec(name).channels
                                                    for name in config.style_layer_names}, seed))
    return GramStatistic()


def losses(net: VGGFeatures, x: torch.Tensor, targets: Targets, config: TransferConfig) -> Losses:
    """The losses of ``x``, each already multiplied by its weight (float32)."""
    feats = net(x, config.layer_names, native=True)  # the losses cast; gradients go back in bf16
    rows = {name: positions_by_channels(feats[name]) for name in config.style_layer_names}
    return Losses(targets.content.loss(feats), config.style_weight * targets.style.loss(rows, config.style_layers),
                  *pixel_losses(x, config.tv_weight, targets.temporal, targets.coverage, targets.matting,
                                config.matting_weight))


def evaluate(net: VGGFeatures, x: torch.Tensor, targets: Targets, config: TransferConfig
             ) -> tuple[Losses, torch.Tensor]:
    """The losses of ``x`` and the gradient of their sum: in one piece, or tile by tile when the targets are tiled."""
    if targets.grid is not None and targets.grid.tile:
        parts, gradient = tiled_objective(net, x, targets.content, targets.style, config, targets.grid,
                                          targets.temporal, targets.coverage, targets.matting)
        return Losses(*parts), gradient
    pixels = x.detach().requires_grad_(True)
    parts = losses(net, pixels, targets, config)
    (gradient,) = torch.autograd.grad(sum(parts), pixels)
    return Losses(*(part.detach() for part in parts)), gradient


def transfer_tensor(
    net: VGGFeatures,
    content: torch.Tensor,
    styles: Sequence[torch.Tensor],
    config: TransferConfig,
    *,
    seed: int,
    init_image: torch.Tensor | None = None,
    temporal: TemporalTarget | None = None,
    regions: Regions | None = None,
    callback: ProgressCallback | None = None,
    painter: Painter | None = None,
) -> torch.Tensor:
    """Paint ``content`` in the style of ``styles``.

    Args:
        net: the backbone.
        content: (1, 3, H, W) RGB in [0, 1]; the output has its size.
        styles: one or more (1, 3, h, w) RGB images in [0, 1], any sizes.
        config: the settings; ``config.style_blend`` weighs the styles.
        seed: makes noise initialisation reproducible.
        init_image: the start image when ``config.init == "image"``.
        temporal: for video, the previous frame's result warped onto this one:
            adds Ruder et al.'s temporal loss on its reliable pixels.
        regions: one mask per style saying where it lands (and optionally
            one per style image saying where it comes from); None: every style
            everywhere, blended.
        callback: called with a :class:`TransferProgress` as the optimisation goes.
        painter: paints the start when ``config.init == "instant"`` (the instant engine's picture of the
            content under the run's colour handling; see :data:`~dreamstyle.styletransfer.starts.Painter`).

    Returns:
        (1, 3, H, W) in [0, 1] on the net's device.
    """
    blend = style_weights(config.style_blend, len(styles))
    if regions is not None:
        regions.check(len(styles))
    check_layers(net, config)
    original = content.to(net.device, torch.float32)
    content, styles, temporal = _colour_inputs(original, [style.to(net.device, torch.float32) for style in styles],
                                               temporal, config.preserve_colors)
    schedule = scale_schedule(content.shape[-2], content.shape[-1], config)
    x = initial_image(content, styles, config, make_generator(seed), init_image, blend, regions, painter)
    statistic = style_statistic(net, config, seed)
    done_before = 0
    for index, scale in enumerate(schedule):
        scale_config = replace(config, iterations=scale.iterations, content_weight=scale.content_weight)
        targets = compute_targets(net, content, styles, scale_config, blend, scale.size, temporal, statistic,
                                  regions)
        x = finer_start(x, content, schedule[index - 1].size, scale.size, config) if index else resize(x, scale.size)
        x = x.detach().clone(memory_format=torch.contiguous_format)  # L-BFGS views grads flat
        report = _progress_report(callback, schedule, index, x, targets.grid.tile, done_before)
        x = optimise(x, lambda: evaluate(net, x, targets, scale_config), scale_config, report)
        done_before += scale.iterations
    if config.preserve_colors == "luminance":
        x = with_chroma_of(x, original)
    if config.guided_filter:
        x = photo_filtered(x, original, config.guided_filter)
    return x.detach()


def check_layers(net: VGGFeatures, config: TransferConfig) -> None:
    """Raise InvalidArgumentError, naming it, for a content or style layer ``net`` does not have."""
    net.check_layers([name for name, _ in config.content_layers], "content_layers")
    net.check_layers([name for name, _ in config.style_layers], "style_layers")


def _colour_inputs(content: torch.Tensor, styles: list[torch.Tensor], temporal: TemporalTarget | None,
                   preserve_colors: str) -> tuple[torch.Tensor, list[torch.Tensor], TemporalTarget | None]:
    """The content, styles and temporal target the optimisation sees under ``preserve_colors``.

    ``"match"`` recolours the styles to the photo's colour statistics;
    ``"luminance"`` optimises luminance only (Gatys et al. 2016, "Preserving
    colour"), the photo's chroma going back on at the end.
    """
    if preserve_colors == "match":
        return content, [match_colors(style, content) for style in styles], temporal
    if preserve_colors == "luminance":
        if temporal is not None:
            temporal = TemporalTarget(luminance(temporal.image.to(content.device, torch.float32)), temporal.mask,
                                      temporal.weight)
        return luminance(content), [match_luminance(style, content) for style in styles], temporal
    return content, styles, temporal


def _progress_report(callback: ProgressCallback | None, schedule: Sequence[Scale], index: int, x: torch.Tensor,
                     tile: int, done_before: int) -> Report:
    """The optimiser's :data:`Report` at scale ``index``, told to ``callback`` as TransferProgress of image ``x``."""
    scale, total = schedule[index], total_iterations(schedule)

    def report(iteration: int, parts: Losses, iterations_made: int) -> None:
        if callback is not None:
            content, style, tv, temporal, photo = (p.detach() for p in parts)
            callback(TransferProgress(scale=index, scales=len(schedule), iteration=iteration,
                                      iterations=scale.iterations, size=scale.size, content=content, style=style,
                                      tv=tv, temporal=temporal, image=x, tile=tile, run_done=done_before + iteration,
                                      run_total=total, iterations_made=iterations_made, photo=photo))

    return report
