"""TransferConfig: every setting of a style-transfer run, frozen and validated."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, ClassVar

from ..backbone.selection import LayerWeights, format_layer_weights, parse_layer_weights
from ..styles import COLOR_MODES, parse_blend
from ..validation import MAX_ITERATIONS, MAX_SCALES, check_scalar_types, own_fields, require, tile_check

INITS = ("content", "noise", "style", "recoloured", "instant", "image")
OPTIMIZERS = ("lbfgs", "adam")
BOUNDS = ("soft", "clamp")
STYLE_LOSSES = ("gram", "sliced-wasserstein")
# Gatys' optimisation costs grow with the pixel count; without a size a large
# photo would take hours, so transfer works at most at 512 px unless told otherwise.
DEFAULT_SIZE = 512
STYLE_LAYERS = "relu1_1,relu2_1,relu3_1,relu4_1,relu5_1"


@dataclass(frozen=True)
class TransferConfig:
    """Settings of one style transfer (the seed and images are passed separately).

    Attributes:
        content_layers / style_layers: (layer, weight) pairs.
        content_weight / style_weight / tv_weight: loss weights. Losses are
            normalised (see :mod:`dreamstyle.styletransfer.losses`), so the same
            weights give the same look at any resolution and style image size.
        style_blend: one weight per style image (empty: equal).
        style_scale: style images are resized to this times the output's longest side.
        preserve_colors: ``"none"``, ``"luminance"`` (transfer on luminance,
            keep the content's chroma) or ``"match"`` (match the styles'
            colour mean and covariance to the content first).
        init: ``"content"``, ``"noise"``, ``"style"``, ``"recoloured"`` (the
            content recoloured to the styles' colour mean and covariance; with
            regions, each region to its own style's) or ``"image"`` (an image passed separately).
        optimizer: ``"lbfgs"`` or ``"adam"``.
        learning_rate: Adam's step in [0, 1] pixel units.
        bounds: how L-BFGS keeps pixels in [0, 1]. ``"soft"``: a penalty on
            pixels outside the range, which L-BFGS sees as part of the
            objective, and one clamp at the end of each scale. ``"clamp"``:
            a clamp after every ``LBFGS_CHUNK`` iterations, which moves the
            image behind L-BFGS's back and spoils its curvature history
            (kept so that older outputs repeat with ``like``). Adam always clamps.
        scales: number of sizes, coarse to fine, ending at the output size.
        start_size: longest side of the first scale.
        iterations: optimiser iterations of a single scale; with several,
            the base the two factors below multiply.
        coarse_iterations_factor: each scale before the last runs this times
            ``iterations``. The coarse scales lay the picture out; iterations
            saved there buy iterations at the output size, each of which
            costs four times one at the scale before in the classic schedule.
        final_iterations_factor: the last of several scales (the output size)
            runs this times ``iterations``: there the content settles slowly,
            while the style is largely in place from the coarse scales.
        coarse_content_boost: the content weight is multiplied by this at the
            first scale, falling geometrically to 1 at the output size. What the
            coarse scales lay out, the fine ones cannot move, so a layout
            faithful to the content keeps the photo's shapes.
        content_detail: on moving to a finer scale, this fraction of the
            photo's detail finer than the previous scale (the photo minus its
            coarser copy, upsampled) is added to the upsampled result, which
            lacks it. Unlike ``content_mix`` it leaves the style's colours
            and layout alone.
        content_mix: on moving to a finer scale, the upsampled result is
            blended with the content image by this fraction (0: not at all).
        style_loss: the style statistic: ``"gram"`` (Gatys et al.'s Gram matrices)
            or ``"sliced-wasserstein"`` (the whole distribution of features along
            random directions drawn from the seed; see :mod:`dreamstyle.styletransfer.sliced`).
        matting_weight: weight of Luan et al.'s photorealism term, the matting
            Laplacian of the content as a penalty on the output: the output
            keeps the photo's edges and local structure (see
            :mod:`dreamstyle.styletransfer.photo`); 0: off.
        guided_filter: radius in px, at a 512 px output (scaled with the
            output's size), of a guided filter with the content as guide run
            on the result: its colours, the photo's edges; 0: off.
        tile: tile side in px for images too large for memory (see
            :mod:`dreamstyle.styletransfer.tiles`); None tiles automatically
            only when an image would not fit; 0 never tiles.
        instant_strength: with ``init="instant"``, the strength of the instant
            picture the optimisation starts from (see
            :class:`~dreamstyle.instant.config.InstantConfig`).
    """

    content_layers: LayerWeights = (("relu4_2", 1.0),)
    style_layers: LayerWeights = STYLE_LAYERS
    content_weight: float = 1.0
    style_weight: float = 5.0
    tv_weight: float = 10.0
    style_blend: tuple[float, ...] = ()
    style_scale: float = 1.0
    preserve_colors: str = "none"
    init: str = "content"
    optimizer: str = "lbfgs"
    learning_rate: float = 0.02
    bounds: str = "soft"
    scales: int = 3
    start_size: int = 128
    iterations: int = 100
    coarse_iterations_factor: float = 0.5
    final_iterations_factor: float = 1.1
    coarse_content_boost: float = 10.0
    content_detail: float = 1.0
    content_mix: float = 0.0
    tile: int | None = None
    style_loss: str = "gram"
    matting_weight: float = 0.0
    guided_filter: int = 0
    instant_strength: float = 1.0

    # Settings added after the first release, each with the value under which it
    # changes nothing: what runs made before it existed did. ``--like`` fills
    # these in for older metadata, so an old output repeats as it was made.
    VALUES_IN_OLDER_RUNS: ClassVar[Mapping[str, Any]] = {
        "final_iterations_factor": 1.0, "coarse_iterations_factor": 1.0, "coarse_content_boost": 1.0,
        "content_mix": 0.0, "content_detail": 0.0, "bounds": "clamp", "instant_strength": 1.0,
    }

    def __post_init__(self) -> None:
        object.__setattr__(self, "content_layers", parse_layer_weights(self.content_layers, "content_layers"))
        object.__setattr__(self, "style_layers", parse_layer_weights(self.style_layers, "style_layers"))
        object.__setattr__(self, "style_blend", parse_blend(self.style_blend))
        check_scalar_types(self)
        require([
            (self.content_weight >= 0, "content_weight", f"must not be negative, got {self.content_weight}"),
            (self.style_weight >= 0, "style_weight", f"must not be negative, got {self.style_weight}"),
            (self.tv_weight >= 0, "tv_weight", f"must not be negative, got {self.tv_weight}"),
            (self.matting_weight >= 0, "matting_weight", f"must not be negative, got {self.matting_weight}"),
            (self.guided_filter >= 0, "guided_filter", f"must not be negative, got {self.guided_filter}"),
            (self.style_scale > 0, "style_scale", f"must be positive, got {self.style_scale}"),
            (self.preserve_colors in COLOR_MODES, "preserve_colors", f"must be one of {', '.join(COLOR_MODES)}"),
            (self.init in INITS, "init", f"must be one of {', '.join(INITS)} (or a file), got {self.init!r}"),
            (self.optimizer in OPTIMIZERS, "optimizer", f"must be one of {', '.join(OPTIMIZERS)}"),
            (self.bounds in BOUNDS, "bounds", f"must be one of {', '.join(BOUNDS)}, got {self.bounds!r}"),
            (0 <= self.instant_strength <= 1, "instant_strength", f"must be in [0, 1], got {self.instant_strength}"),
            (self.style_loss in STYLE_LOSSES,
             "style_loss", f"must be one of {', '.join(STYLE_LOSSES)}, got {self.style_loss!r}"),
            (0 < self.learning_rate <= 1, "learning_rate", f"must be in (0, 1], got {self.learning_rate}"),
            (self.scales >= 1, "scales", f"must be at least 1, got {self.scales}"),
            (self.scales <= MAX_SCALES, "scales", f"must be at most {MAX_SCALES}, got {self.scales}"),
            (self.start_size >= 32, "start_size", f"must be at least 32 px, got {self.start_size}"),
            (self.iterations >= 1, "iterations", f"must be at least 1, got {self.iterations}"),
            (self.iterations <= MAX_ITERATIONS, "iterations",
             f"must be at most {MAX_ITERATIONS}, got {self.iterations}"),
            (self.coarse_iterations_factor > 0,
             "coarse_iterations_factor", f"must be positive, got {self.coarse_iterations_factor}"),
            (self.final_iterations_factor > 0,
             "final_iterations_factor", f"must be positive, got {self.final_iterations_factor}"),
            (self.coarse_content_boost > 0, "coarse_content_boost",
             f"must be positive, got {self.coarse_content_boost}"),
            (0 <= self.content_detail <= 1, "content_detail", f"must be in [0, 1], got {self.content_detail}"),
            (0 <= self.content_mix <= 1, "content_mix", f"must be in [0, 1], got {self.content_mix}"),
            tile_check(self.tile),
        ])

    @property
    def content_layer_names(self) -> list[str]:
        return [name for name, _ in self.content_layers]

    @property
    def style_layer_names(self) -> list[str]:
        return [name for name, _ in self.style_layers]

    @property
    def layer_names(self) -> list[str]:
        """Every layer the objective reads: the content layers, then the style layers, each once."""
        return list(dict.fromkeys(self.content_layer_names + self.style_layer_names))

    @property
    def coarse_iterations(self) -> int:
        """Iterations at each scale before the last: ``iterations`` times ``coarse_iterations_factor``, at least 1."""
        return max(1, round(self.iterations * self.coarse_iterations_factor))

    @property
    def final_iterations(self) -> int:
        """Iterations at the last of several scales: ``iterations`` times ``final_iterations_factor``, at least 1."""
        return max(1, round(self.iterations * self.final_iterations_factor))

    def to_dict(self) -> dict[str, Any]:
        """Plain values for metadata and presets (round-trips through :meth:`from_dict`)."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values["content_layers"] = format_layer_weights(self.content_layers)
        values["style_layers"] = format_layer_weights(self.style_layers)
        values["style_blend"] = ",".join(f"{w:g}" for w in self.style_blend)
        return values

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> "TransferConfig":
        return cls(**own_fields(cls, values))


# The preset a run starts from when it names none (and has no earlier output to be like).
DEFAULT_PRESET = "classic"
