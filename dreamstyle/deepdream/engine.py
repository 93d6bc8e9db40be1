"""The DeepDream engine: gradient ascent over octaves, as a pure function of tensors."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass

import torch

from ..backbone import VGGFeatures
from ..backbone.tiling import choose_tile, tile_margin, tile_stride, tiled_gradient
from ..errors import InvalidArgumentError
from ..estimate import Cost
from ..imaging.mask import mask_at
from ..imaging.resizing import fit_longest_side, resize
from ..runtime import shapes_change_every_call
from ..seeds import make_generator
from .config import DreamConfig
from .objectives import ActivationObjective, GuideObjective, Objective
from .parameterisation import decorrelated, detail_of, take_step, with_detail
from .smoothing import smooth_gradient

# Guide features are matched against every position of the image; capping
# the guide's size bounds that (positions x guide positions) matrix.
GUIDE_MAX_SIDE = 512


@dataclass(frozen=True)
class DreamProgress:
    """Reported after every step.

    Attributes:
        octave: 0-based octave index; ``octaves`` in total.
        iteration: steps done in this octave, 1..``iterations``.
        size: (H, W) of this octave.
        objective: the objective's mean over the batch (a 0-d tensor; reading
            it synchronises with the device, so read it only to print).
        image: (N, 3, H, W) the image so far, at this octave's size (the live
            tensor, updated in place by later steps: copy it to keep it).
        tile: tile side in use at this octave, 0 for none.
        run_done / run_total: steps done in the whole dream (all octaves), and planned.
    """

    octave: int
    octaves: int
    iteration: int
    iterations: int
    size: tuple[int, int]
    objective: torch.Tensor
    image: torch.Tensor
    tile: int
    run_done: int = 0
    run_total: int = 0

    def stage(self) -> str:
        return f"octave {self.octave + 1} of {self.octaves}"

    def losses(self) -> dict[str, float]:
        return {"objective": float(self.objective)}

    def status(self) -> str:
        height, width = self.size
        tiled = f" tiled {self.tile}" if self.tile else ""
        return f"octave {self.octave + 1}/{self.octaves} {width}x{height}{tiled} objective {float(self.objective):.4g}"


ProgressCallback = Callable[[DreamProgress], None]


def octave_sizes(height: int, width: int, octaves: int, scale: float, min_side: int) -> list[tuple[int, int]]:
    """Sizes of the octaves, smallest first, ending at (height, width).

    Octaves smaller than ``min_side`` (where the deepest layer would have no
    pixels) are dropped.
    """
    sizes = []
    for level in reversed(range(octaves)):
        factor = scale ** -level
        size = (max(1, round(height * factor)), max(1, round(width * factor)))
        if min(size) >= min_side:
            sizes.append(size)
    if not sizes:
        raise InvalidArgumentError(
            f"a {width}x{height} px image is too small for these layers: they need at least {min_side}x{min_side} px"
        )
    return sizes


def dream_cost(net: VGGFeatures, height: int, width: int, config: DreamConfig) -> Cost:
    """What a dream of an (H, W) image costs: its layers, and (height, width, steps) of each octave, smallest first."""
    layers = tuple(name for name, _ in config.layers)
    sizes = octave_sizes(height, width, config.octaves, config.octave_scale, net.min_input_size(layers))
    return Cost(layers, tuple((octave_height, octave_width, config.iterations) for octave_height, octave_width in sizes))


def dream_steps(net: VGGFeatures, height: int, width: int, config: DreamConfig) -> int:
    """Steps a dream of an (H, W) image makes over all its octaves: what its progress counts to."""
    return dream_cost(net, height, width, config).steps


def check_config(net: VGGFeatures, config: DreamConfig) -> None:
    """Raise a clear error now if ``config`` names layers or channels ``net`` does not have."""
    ActivationObjective(net, config.layers, config.channels)


def _objective_for_octave(
    net: VGGFeatures, config: DreamConfig, guide: torch.Tensor | None, size: tuple[int, int]
) -> Objective:
    if guide is None:
        return ActivationObjective(net, config.layers, config.channels)
    side = min(max(size), GUIDE_MAX_SIDE)
    guide_size = fit_longest_side(guide.shape[-2], guide.shape[-1], side)
    return GuideObjective.from_image(net, config.layers, resize(guide, guide_size).to(net.device))


def _random_offsets(generator: torch.Generator, jitter: int, tile: int, stride: int
                    ) -> tuple[tuple[int, int], tuple[int, int]]:
    """(roll dy, dx) in [-jitter, jitter] and (tile grid dy, dx): multiples of ``stride`` in [0, tile).

    Both are drawn every step, tiled or not, so tiling never changes the jitter sequence of a seed.
    """
    roll = torch.randint(-jitter, jitter + 1, (2,), generator=generator, device="cpu").tolist()
    grid = (torch.randint(0, max(tile // stride, 1), (2,), generator=generator, device="cpu") * stride).tolist()
    return (roll[0], roll[1]), (grid[0], grid[1])


def ascent_step(
    net: VGGFeatures,
    x: torch.Tensor,
    objective: Objective,
    config: DreamConfig,
    generator: torch.Generator,
    tile: int,
    progress: float,
    mask: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """One gradient-ascent step on ``x`` (N, 3, H, W) in [0, 1], in place; returns (x, objective (N,)).

    ``mask`` (N or 1, 1, H, W) in [0, 1] scales the step at each pixel (0: no dream there).
    """
    size = (x.shape[-2], x.shape[-1])
    layers = list(objective.layers)
    (dy, dx), grid = _random_offsets(generator, config.jitter, tile, tile_stride(net, layers))
    # Jitter: roll the image so the network never sees the same pixel grid twice, then roll back.
    rolled = torch.roll(x, shifts=(dy, dx), dims=(2, 3))
    with shapes_change_every_call(x.device) if tile else contextlib.nullcontext():
        gradient, value = tiled_gradient(
            lambda crop, window: objective(net(crop, layers), size, window and window.inner_in_crop), rolled, tile,
            tile_margin(net, layers), grid,
        )
    del rolled
    gradient = torch.roll(gradient, shifts=(-dy, -dx), dims=(2, 3))
    if config.colour == "decorrelated":
        gradient = decorrelated(gradient)
    gradient = smooth_gradient(gradient, config.smoothing, progress)
    # Normalise by the mean absolute value per image, so `step` is in pixel units whatever the layer.
    mean_abs = torch.linalg.vector_norm(gradient, ord=1, dim=(1, 2, 3), keepdim=True) / gradient[0].numel()
    gradient.div_(mean_abs.clamp(min=1e-8))
    if mask is not None:
        gradient.mul_(mask)  # after normalising, so a pixel inside the mask steps as far as in an unmasked dream
    # In place: on a huge image every full-size copy costs hundreds of MB.
    return take_step(x, gradient, config.step, config.bounds), value


def dream_tensor(
    net: VGGFeatures,
    image: torch.Tensor,
    config: DreamConfig,
    *,
    seed: int,
    guide: torch.Tensor | None = None,
    callback: ProgressCallback | None = None,
    objective: Objective | None = None,
    mask: torch.Tensor | None = None,
) -> torch.Tensor:
    """Dream on ``image``.

    Args:
        net: the backbone.
        image: (N, 3, H, W) RGB in [0, 1].
        config: the settings.
        seed: random seed for jitter and tile offsets; the same seed gives the
            same result on the same machine.
        guide: optional (1, 3, h, w) guide image in [0, 1] (guided dreaming).
        callback: called with a :class:`DreamProgress` after every step.
        objective: replaces the config's objective (the channel atlas uses this).
        mask: optional (N or 1, 1, h, w) in [0, 1], any size (resized to each
            octave): where the dream may add detail, and how much (soft edges fade it).

    Returns:
        (N, 3, H, W) in [0, 1] on the net's device.

    Octaves run smallest first. Between octaves only the detail the dream
    added (dreamed minus the downscaled original) is carried up, so the
    result keeps the full-size photo's sharpness.
    """
    if guide is not None and objective is not None:
        raise InvalidArgumentError("give either a guide image or an objective, not both")
    layers = [name for name, _ in config.layers] if objective is None else list(objective.layers)
    image = image.to(net.device, torch.float32)
    generator = make_generator(seed)
    sizes = octave_sizes(image.shape[-2], image.shape[-1], config.octaves, config.octave_scale,
                         net.min_input_size(layers))
    detail = None
    for octave, size in enumerate(sizes):
        base = resize(image, size)
        x = base.clone() if detail is None else with_detail(base, resize(detail, size, clamp=False), config.bounds)
        detail = None  # free it: on a huge image each full-size copy is hundreds of MB
        octave_objective = objective or _objective_for_octave(net, config, guide, size)
        tile = choose_tile(net, layers, size, config.tile)
        octave_mask = None if mask is None else mask_at(mask.to(net.device), size)
        for iteration in range(config.iterations):
            x, value = ascent_step(net, x, octave_objective, config, generator, tile, iteration / config.iterations,
                                   octave_mask)
            if callback is not None:
                callback(DreamProgress(octave=octave, octaves=len(sizes), iteration=iteration + 1,
                                       iterations=config.iterations, size=size, objective=value.mean(), image=x,
                                       tile=tile, run_done=octave * config.iterations + iteration + 1,
                                       run_total=len(sizes) * config.iterations))
        if octave + 1 < len(sizes):
            detail = detail_of(x, base, config.bounds)
    return x
