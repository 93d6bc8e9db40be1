"""The style-transfer engine (Gatys et al.), coarse to fine, as a pure function of tensors."""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import NamedTuple

import torch

from ..backbone import VGGFeatures
from ..backbone.features import positions_by_channels
from ..errors import Assignment, InvalidArgumentError, count_of
from ..imaging.colour import match_colors
from ..imaging.mask import mask_at
from ..imaging.resizing import fit_longest_side, resize
from ..runtime import available_memory, memory_ceiling
from ..instant.engine import BuiltinStyle, instant_tensor
from ..seeds import make_generator
from .colour import luminance, match_luminance, with_chroma_of
from .config import TransferConfig
from .gram import GramStatistic
from .losses import content_loss, pixel_losses, range_penalty
from .photo import REFERENCE_SIDE, MattingLaplacian, guided_filter
from .regions import Regions, RegionWeights, coverage, region_strengths
from .sliced import SlicedWasserstein, random_directions
from .statistic import StyleStatistic, StyleTarget
from .tiles import TiledContent, TileGrid, tiled_objective

# L-BFGS runs this many iterations per call (progress is reported between calls).
LBFGS_CHUNK = 10
# Soft bounds (``bounds="soft"``): pixels outside [0, 1] cost this times their
# mean squared excess. A clamp between calls moves the image without L-BFGS
# knowing, so its next curvature pair is wrong and its line searches run out of
# evaluations; the penalty keeps L-BFGS's model true. Below this weight the
# excursions still cost style error; above it they are too small to matter
# (benchmarks/RESULTS.md, "Where the constants come from").
RANGE_PENALTY_WEIGHT = 1e3
LBFGS_HISTORY = 50
# L-BFGS's history may use this share of free memory, and on the CPU at most
# MAX_HISTORY_BYTES (it shrinks on huge images, never below MIN_LBFGS_HISTORY):
# a long history speeds up convergence little once it holds a few dozen steps,
# and on a 4096 px image each entry is 400 MB.
HISTORY_MEMORY_FRACTION = 0.25
MAX_HISTORY_BYTES = 2 * 2**30
MIN_LBFGS_HISTORY = 5
# Adam's output is an exponential moving average of its iterates: the
# averaged image has none of the pixel noise single Adam steps leave behind.
ADAM_AVERAGE_DECAY = 0.9
# The guided-filter pass's regulariser (RGB in [0, 1]): windows whose colours vary less than about
# its square root are flattened, sharper ones keep the content's edges.
GUIDED_FILTER_EPS = 1e-2


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
    engine: str = "gatys"  # "instant": one pass of the feed-forward network, no losses

    @property
    def converged(self) -> bool:
        """Whether this scale ended before its planned iterations, L-BFGS unable to go lower."""
        return self.iterations_made < self.iteration


ProgressCallback = Callable[[TransferProgress], None]


def scale_sizes(height: int, width: int, scales: int, start_size: int) -> list[tuple[int, int]]:
    """(H, W) of each scale: longest sides geometric from ``start_size`` to the output's, ending exactly at it."""
    longest = max(height, width)
    first = min(start_size, longest)
    sides = [round(first * (longest / first) ** (i / (scales - 1))) for i in range(scales)] if scales > 1 else [longest]
    sizes = [fit_longest_side(height, width, side) for side in sides[:-1]] + [(height, width)]
    return list(dict.fromkeys(sizes))


@dataclass(frozen=True)
class Scale:
    """One scale of the coarse-to-fine schedule.

    Attributes:
        size: (H, W) of the image at this scale.
        iterations: optimiser iterations here.
        content_weight: the content loss's weight here.
    """

    size: tuple[int, int]
    iterations: int
    content_weight: float


def scale_schedule(height: int, width: int, config: TransferConfig) -> list[Scale]:
    """The scales of a run at output size (H, W) = (``height``, ``width``).

    Sizes come from :func:`scale_sizes`. Of several scales, the coarser run
    ``config.coarse_iterations`` and the last ``config.final_iterations``; a
    single scale runs ``config.iterations``. The content weight is
    ``coarse_content_boost`` times larger at the first scale, falling
    geometrically to ``content_weight`` at the last.
    """
    if config.engine == "instant":  # one pass at the output size
        return [Scale((height, width), 1, config.content_weight)]
    sizes = scale_sizes(height, width, config.scales, config.start_size)
    last = len(sizes) - 1
    iterations = [config.coarse_iterations] * last + [config.final_iterations] if last else [config.iterations]
    return [Scale(size, iterations[index],
                  config.content_weight * config.coarse_content_boost ** ((last - index) / last if last else 0.0))
            for index, size in enumerate(sizes)]


def schedule_work(schedule: Sequence[Scale]) -> list[tuple[int, int, int]]:
    """(height, width, iterations) of each scale of ``schedule``."""
    return [(*scale.size, scale.iterations) for scale in schedule]


def total_iterations(schedule: Sequence[Scale]) -> int:
    """Optimiser iterations a run makes over all the steps of ``schedule`` (what its progress counts to)."""
    return sum(scale.iterations for scale in schedule)


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
        content: content features (untiled), or None when tiled.
        style: the style statistic's target (blended, or one per region), with its loss.
        temporal: for video, the warped previous frame at this size.
        grid: the tiles (``grid.tile == 0``: one piece).
        tiled_content: when tiled, the content targets tile by tile.
        coverage: with regions, (1, 1, H, W) how much of each pixel they cover.
        matting: for the photorealism term, the matting Laplacian of the content at this size.
    """

    content: dict[str, torch.Tensor] | None
    style: StyleTarget
    temporal: TemporalTarget | None = None
    grid: TileGrid | None = None
    tiled_content: TiledContent | None = None
    coverage: torch.Tensor | None = None
    matting: MattingLaplacian | None = None


class Losses(NamedTuple):
    """The weighted parts of the objective (0-d tensors); ``sum()`` gives the total."""

    content: torch.Tensor
    style: torch.Tensor
    tv: torch.Tensor
    temporal: torch.Tensor
    photo: torch.Tensor


# What an optimiser calls: the losses at the current image and the gradient of their sum.
Evaluator = Callable[[], tuple[Losses, torch.Tensor]]
# Told (iterations to show as done at this scale, the losses there, iterations really made) as an optimiser goes.
Report = Callable[[int, Losses, int], None]


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
    content_layers, style_layers = config.content_layer_names, config.style_layer_names
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
    if grid.tile:
        return Targets(None, style_target, temporal, grid, TiledContent.of(net, content_image, content_layers, grid),
                       covered, matting)
    with torch.no_grad():
        content_feats = net(content_image, content_layers)
    return Targets(content_feats, style_target, temporal, grid, coverage=covered, matting=matting)


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
    return Losses(config.content_weight * content_loss(feats, targets.content, config.content_layers),
                  config.style_weight * targets.style.loss(rows, config.style_layers),
                  *pixel_losses(x, config.tv_weight, targets.temporal, targets.coverage, targets.matting,
                                config.matting_weight))


def evaluate(net: VGGFeatures, x: torch.Tensor, targets: Targets, config: TransferConfig
             ) -> tuple[Losses, torch.Tensor]:
    """The losses of ``x`` and the gradient of their sum: in one piece, or tile by tile when the targets are tiled."""
    if targets.grid is not None and targets.grid.tile:
        parts, gradient = tiled_objective(net, x, targets.tiled_content, targets.style, config, targets.grid,
                                          targets.temporal, targets.coverage, targets.matting)
        return Losses(*parts), gradient
    pixels = x.detach().requires_grad_(True)
    parts = losses(net, pixels, targets, config)
    (gradient,) = torch.autograd.grad(sum(parts), pixels)
    return Losses(*(part.detach() for part in parts)), gradient


def lbfgs_history(pixels: int, device: torch.device) -> int:
    """L-BFGS history length: LBFGS_HISTORY, fewer when the image is so large its history would not fit.

    Each entry keeps two image-sized vectors; on a 4096 x 4096 image 50 entries would be 20 GB
    (it gets 5).
    """
    entry_bytes = 2 * 3 * 4 * pixels
    ceiling = memory_ceiling(device, MAX_HISTORY_BYTES)
    fits = int(min(available_memory(device) * HISTORY_MEMORY_FRACTION, ceiling) // entry_bytes)
    return max(MIN_LBFGS_HISTORY, min(LBFGS_HISTORY, fits))


def initial_image(content: torch.Tensor, styles: Sequence[torch.Tensor], config: TransferConfig,
                  generator: torch.Generator, init_image: torch.Tensor | None, blend: Sequence[float] = (),
                  regions: Regions | None = None) -> torch.Tensor:
    """The image the first scale starts from, at the content's size."""
    size = tuple(content.shape[-2:])
    if config.init == "content":
        return content.clone()
    if config.init == "recoloured":
        return recoloured(content, styles, blend, regions)
    if config.init == "style":
        return resize(styles[0], size)
    if config.init == "instant":
        return instant_start(content, styles, config, blend, regions)
    if config.init == "image":
        if init_image is None:
            raise InvalidArgumentError("init 'image' needs an init image")
        start = resize(init_image.to(content.device, torch.float32), size)
        return luminance(start) if config.preserve_colors == "luminance" else start
    noise = torch.randn(content.shape, generator=generator, device="cpu").to(content.device)
    return (0.5 + 0.2 * noise).clamp(0.0, 1.0)


def recoloured(content: torch.Tensor, styles: Sequence[torch.Tensor], blend: Sequence[float],
               regions: Regions | None = None) -> torch.Tensor:
    """(1, 3, H, W) ``content`` recoloured to the styles' colour mean and covariance, averaged by ``blend``; with
    ``regions``, each region's pixels to its own style's (over its style mask), the rest left as they are."""
    if regions is None:
        blend = blend or (1.0,) * len(styles)
        total = float(sum(blend))
        return sum(weight / total * match_colors(content, style) for weight, style in zip(blend, styles))
    masks = regions.at(tuple(content.shape[-2:]), content.device)
    overlap = masks.sum(dim=0, keepdim=True).clamp(min=1.0)  # where masks overlap, their recolourings share
    out = content * (1 - coverage(masks))
    for index, (mask, style) in enumerate(zip(masks / overlap, styles)):
        style_mask = regions.style_mask(index)
        style_mask = None if style_mask is None else mask_at(style_mask.to(style.device), tuple(style.shape[-2:]))
        out = out + mask * match_colors(content, style, mask[None], style_mask)
    return out.clamp(0.0, 1.0)


def finer_start(x: torch.Tensor, content: torch.Tensor, coarse: tuple[int, int], fine: tuple[int, int],
                config: TransferConfig) -> torch.Tensor:
    """Where a finer scale starts: the coarser result ``x`` (1, 3, *coarse) upsampled to ``fine``.

    The upsampled picture lacks the photo's fine detail, so ``config.content_detail``
    of it is added back: the content (1, 3, H, W) at ``fine`` minus its copy at
    ``coarse`` upsampled, the part the coarser scale could not hold.
    ``config.content_mix`` then blends in the photo itself. Values in [0, 1].
    """
    x = resize(x, fine)
    photo = resize(content, fine)
    if config.content_detail:
        x = x + config.content_detail * (photo - resize(resize(content, coarse), fine))
    if config.content_mix:
        x = torch.lerp(x, photo, config.content_mix)
    return x.clamp(0.0, 1.0)


def _optimise(x: torch.Tensor, evaluator: Evaluator, config: TransferConfig, report: Report) -> torch.Tensor:
    """Run ``config.iterations`` optimiser iterations on ``x`` (a leaf tensor); the result is in [0, 1].

    ``evaluator()`` returns the losses at ``x`` and the gradient of their sum.
    Pixels are kept in range as ``config.bounds`` says.
    """
    x.requires_grad_(True)
    return (_adam if config.optimizer == "adam" else _lbfgs)(x, evaluator, config, report)


def _adam(x: torch.Tensor, evaluator: Evaluator, config: TransferConfig, report: Report) -> torch.Tensor:
    """:func:`_optimise` with Adam, clamping after every step; returns the average of its iterates."""
    optimiser = torch.optim.Adam([x], lr=config.learning_rate)
    average = x.detach().clone()
    for iteration in range(config.iterations):
        parts, x.grad = evaluator()
        optimiser.step()
        with torch.no_grad():
            x.clamp_(0.0, 1.0)
            average.lerp_(x, 1 - ADAM_AVERAGE_DECAY)
        report(iteration + 1, parts, iteration + 1)
    return average


def _new_lbfgs(x: torch.Tensor) -> torch.optim.LBFGS:
    """An L-BFGS optimiser of ``x`` with an empty history."""
    return torch.optim.LBFGS([x], lr=1.0, max_iter=LBFGS_CHUNK, history_size=lbfgs_history(x[0, 0].numel(), x.device),
                             line_search_fn="strong_wolfe", tolerance_grad=0.0, tolerance_change=0.0)


class ReusedEvaluation:
    """The evaluation-reuse trick: the last point evaluated, kept with its evaluation.

    Every call of L-BFGS starts by evaluating the objective where the last
    call's line search ended, and that is mostly the point it evaluated last;
    handing back the kept evaluation saves computing it again (one evaluation
    in eleven at the default settings).
    """

    def __init__(self) -> None:
        self.point: torch.Tensor | None = None
        self.evaluation: tuple[Losses, torch.Tensor, torch.Tensor] | None = None

    def at(self, x: torch.Tensor) -> tuple[Losses, torch.Tensor, torch.Tensor] | None:
        """The kept evaluation, if it was made at exactly ``x``."""
        return self.evaluation if self.point is not None and torch.equal(x, self.point) else None

    def keep(self, x: torch.Tensor, evaluation: tuple[Losses, torch.Tensor, torch.Tensor]) -> None:
        """Keep ``evaluation``, made at ``x`` (copied into the kept point's storage when there is one)."""
        self.point = x.detach().clone() if self.point is None else self.point.copy_(x.detach())
        self.evaluation = evaluation


class ChunkTrace:
    """What one call of L-BFGS saw: its first objective value, and the lowest with that point's losses.

    The last evaluation of a call can be a line-search trial L-BFGS rejected;
    the point it keeps has the lowest objective it saw (strong Wolfe steps only
    go down), so the lowest evaluation's losses are those of the image kept.
    """

    def __init__(self) -> None:
        self.first: float | None = None
        self.lowest: float | None = None
        self.lowest_losses: Losses | None = None

    def record(self, value: float, parts: Losses) -> None:
        if self.lowest is None or value < self.lowest:
            self.lowest, self.lowest_losses = value, parts
        if self.first is None:
            self.first = value

    @property
    def went_down(self) -> bool:
        """Whether the call got below where it started."""
        return self.lowest < self.first


class AfterChunk(enum.Enum):
    """What L-BFGS does after a call: go on, start again from steepest descent, or end the scale."""

    GO_ON = "go on"
    RESTART = "restart"
    END_SCALE = "end scale"


def after_chunk(went_down: bool, just_restarted: bool) -> AfterChunk:
    """Restart once, then end the scale: the rule for an L-BFGS call that never got below its start.

    Near the optimum a bf16 objective is too rough for the line search: it
    fails, L-BFGS learns nothing from the zero step and would fail the same way
    in every call after. A fresh history (steepest descent) gets out of that; if
    even that cannot go down, the scale is as good as it gets.
    """
    if went_down:
        return AfterChunk.GO_ON
    return AfterChunk.END_SCALE if just_restarted else AfterChunk.RESTART


class LbfgsClosure:
    """The closure L-BFGS calls: the objective at ``x`` (with the range penalty under soft bounds), set as x's gradient.

    It hands back a :class:`ReusedEvaluation` where it can, and records each
    call's values in :attr:`trace` (start a new one per call).
    """

    def __init__(self, x: torch.Tensor, evaluator: Evaluator, soft_bounds: bool) -> None:
        self.x, self.evaluator, self.soft_bounds = x, evaluator, soft_bounds
        self.reused = ReusedEvaluation()
        self.keep_evaluations = False  # off in a scale's last call, which no call follows
        self.trace = ChunkTrace()

    def evaluate(self) -> tuple[Losses, torch.Tensor, torch.Tensor]:
        """The losses, the objective L-BFGS minimises, and its gradient, at ``x``."""
        evaluation = self.reused.at(self.x)
        if evaluation is not None:
            return evaluation
        parts, gradient = self.evaluator()
        total = sum(parts)
        if self.soft_bounds:
            penalty, penalty_gradient = range_penalty(self.x, RANGE_PENALTY_WEIGHT)
            total, gradient = total + penalty, gradient.add_(penalty_gradient)
        if self.keep_evaluations:
            self.reused.keep(self.x, (parts, total, gradient))
        return parts, total, gradient

    def __call__(self) -> torch.Tensor:
        parts, total, gradient = self.evaluate()
        self.x.grad = gradient  # L-BFGS only reads it
        self.trace.record(float(total), parts)  # no extra sync: L-BFGS reads every value on the host
        return total


def _lbfgs(x: torch.Tensor, evaluator: Evaluator, config: TransferConfig, report: Report) -> torch.Tensor:
    """:func:`_optimise` with L-BFGS, LBFGS_CHUNK iterations per call, reporting after each call."""
    optimiser = _new_lbfgs(x)
    closure = LbfgsClosure(x, evaluator, soft_bounds=config.bounds == "soft")
    done = 0
    just_restarted = False
    while done < config.iterations:
        chunk = min(LBFGS_CHUNK, config.iterations - done)
        # torch fixes max_eval (1.25 x max_iter) at construction: a short last
        # chunk would keep the full chunk's budget, and a chunk of one
        # iteration would get a single evaluation for its line search.
        optimiser.param_groups[0].update(max_iter=chunk, max_eval=chunk + max(2, chunk // 4))
        closure.keep_evaluations = done + chunk < config.iterations
        closure.trace = ChunkTrace()
        last_good = x.detach().clone()
        before = optimiser.state[x].get("n_iter", 0)
        optimiser.step(closure)
        # A call whose line searches used up its evaluations stops early:
        # count the iterations L-BFGS really made, so every scale gets all of its.
        done += optimiser.state[x].get("n_iter", 0) - before
        with torch.no_grad():
            if not torch.isfinite(x).all():
                # The line search can overshoot into inf/NaN (with bf16 and a
                # small style scale): keep the last good image and end this scale.
                x.copy_(last_good)
                break
            if not closure.soft_bounds:
                x.clamp_(0.0, 1.0)
        move = after_chunk(closure.trace.went_down, just_restarted)
        if move is AfterChunk.END_SCALE:
            report(config.iterations, closure.trace.lowest_losses, done)  # progress jumps to the scale's end
            break
        if move is AfterChunk.RESTART:
            optimiser, just_restarted = _new_lbfgs(x), True
            continue
        just_restarted = False
        report(done, closure.trace.lowest_losses, done)
    return x.detach().clamp(0.0, 1.0)


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

    Returns:
        (1, 3, H, W) in [0, 1] on the net's device.
    """
    blend = style_weights(config, len(styles))
    if regions is not None:
        regions.check(len(styles))
    if config.engine == "instant":
        return _instant_run(net, content, styles, config, blend, regions, callback)
    check_builtin_styles(styles, config)
    check_layers(net, config)
    original = content.to(net.device, torch.float32)
    content, styles, temporal = _colour_inputs(original, [style.to(net.device, torch.float32) for style in styles],
                                               temporal, config.preserve_colors)
    schedule = scale_schedule(content.shape[-2], content.shape[-1], config)
    x = initial_image(content, styles, config, make_generator(seed), init_image, blend, regions)
    statistic = style_statistic(net, config, seed)
    done_before = 0
    for index, scale in enumerate(schedule):
        scale_config = replace(config, iterations=scale.iterations, content_weight=scale.content_weight)
        targets = compute_targets(net, content, styles, scale_config, blend, scale.size, temporal, statistic,
                                  regions)
        x = finer_start(x, content, schedule[index - 1].size, scale.size, config) if index else resize(x, scale.size)
        x = x.detach().clone(memory_format=torch.contiguous_format)  # L-BFGS views grads flat
        report = _progress_report(callback, schedule, index, x, targets.grid.tile, done_before)
        x = _optimise(x, lambda: evaluate(net, x, targets, scale_config), scale_config, report)
        done_before += scale.iterations
    if config.preserve_colors == "luminance":
        x = with_chroma_of(x, original)
    if config.guided_filter:
        x = photo_filtered(x, original, config.guided_filter)
    return x.detach()


def instant_precision(net: VGGFeatures) -> str:
    """The instant networks' precision: the backbone's on an accelerator; fp32 on a CPU, where their small
    convolutions run many times slower in bf16 (benchmarks/RESULTS.md, "Instant style")."""
    return "fp32" if net.device.type == "cpu" else net.precision


def instant_start(content: torch.Tensor, styles: Sequence, config: TransferConfig, blend: Sequence[float],
                  regions: Regions | None) -> torch.Tensor:
    """``init="instant"``: the instant engine's picture of ``content``, colours kept as the run keeps them."""
    painted = instant_tensor(content, styles, blend or (1.0,) * len(styles), strength=config.instant_strength,
                             preserve_colors="match" if config.preserve_colors == "match" else "none",
                             regions=regions)
    return luminance(painted) if config.preserve_colors == "luminance" else painted


def _instant_run(net: VGGFeatures, content: torch.Tensor, styles: Sequence, config: TransferConfig,
                 blend: Sequence[float], regions: Regions | None, callback: ProgressCallback | None) -> torch.Tensor:
    """``engine="instant"``: one pass of the feed-forward network, told to ``callback`` as one iteration."""
    content = content.to(net.device, torch.float32)
    styles = [style if isinstance(style, BuiltinStyle) else style.to(net.device, torch.float32) for style in styles]
    x = instant_tensor(content, styles, blend, strength=config.instant_strength,
                       preserve_colors=config.preserve_colors, regions=regions, precision=instant_precision(net))
    if config.guided_filter:
        x = photo_filtered(x, content, config.guided_filter)
    if callback is not None:
        zero = torch.zeros((), device=x.device)
        callback(TransferProgress(0, 1, 1, 1, tuple(x.shape[-2:]), zero, zero, zero, zero, x, 0, 1, 1, 1,
                                  engine="instant"))
    return x


def check_builtin_styles(styles: Sequence, config: TransferConfig) -> None:
    """Refuse a built-in style (``builtin:N``) where only the instant engine can use one."""
    if config.engine != "instant" and any(isinstance(style, BuiltinStyle) for style in styles):
        raise InvalidArgumentError("built-in styles (builtin:N) are the instant network's own: use them with the "
                                   "instant preset (", Assignment("preset", "instant"), ")",
                                   setting="styles")


def photo_filtered(x: torch.Tensor, content: torch.Tensor, radius: int) -> torch.Tensor:
    """(1, 3, H, W) ``x`` through a guided filter with ``content`` as guide, of ``radius`` px at a 512 px output."""
    scaled = max(1, round(radius * max(x.shape[-2:]) / REFERENCE_SIDE))
    return guided_filter(content, x, scaled, GUIDED_FILTER_EPS).clamp_(0.0, 1.0)


def style_weights(config: TransferConfig, styles: int) -> tuple[float, ...]:
    """The weight of each of ``styles`` style images: ``config.style_blend``, or equal weights."""
    if styles < 1:
        raise InvalidArgumentError("give at least one style image")
    blend = config.style_blend or (1.0,) * styles
    if len(blend) != styles:
        raise InvalidArgumentError.about("style_blend",
                                         f"has {len(blend)} weights for {count_of(styles, 'style image')}")
    return blend


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
            callback(TransferProgress(index, len(schedule), iteration, scale.iterations, scale.size,
                                      content, style, tv, temporal, x, tile, done_before + iteration, total,
                                      iterations_made, photo))

    return report
