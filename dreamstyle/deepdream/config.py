"""DreamConfig: every setting of a DeepDream run, frozen and validated."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, ClassVar

from ..backbone.selection import LayerWeights, format_layer_weights, parse_layer_weights
from ..errors import InvalidArgumentError, Setting
from ..validation import MAX_ITERATIONS, MAX_SCALES, check_scalar_types, require, tile_check

SMOOTHINGS = ("none", "gaussian", "laplacian")
# What deepdream.parameterisation offers, named here where the settings check needs no torch.
COLOUR_SPACES = ("rgb", "decorrelated")
BOUNDS = ("clamp", "soft")

ChannelSelection = tuple[tuple[str, tuple[int, ...]], ...]


def _parse_channel_list(layer: str, text: str) -> tuple[int, ...]:
    channels: list[int] = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        low, dash, high = part.partition("-")
        try:
            if dash:
                channels.extend(range(int(low), int(high) + 1))
            else:
                channels.append(int(part))
        except ValueError:
            raise InvalidArgumentError(Setting("channels"), f": bad channel {part!r} for {layer}; "
                                       "use numbers and ranges like 0-7,12") from None
    if not channels:
        raise InvalidArgumentError(Setting("channels"), f": no channels given for {layer}")
    return tuple(dict.fromkeys(channels))


def parse_channels(value: str | Mapping[str, Any] | ChannelSelection | None) -> ChannelSelection:
    """``"relu4_2=12,47;relu5_1=0-7"``, a mapping or pairs -> ((layer, (channel, ...)), ...)."""
    if not value:
        return ()
    if isinstance(value, str):
        items = []
        for group in filter(None, (g.strip() for g in value.split(";"))):
            layer, equals, text = group.partition("=")
            if not equals:
                raise InvalidArgumentError(Setting("channels"),
                                           f": {group!r} should be LAYER=CHANNELS, e.g. relu4_2=12,47")
            items.append((layer.strip(), _parse_channel_list(layer.strip(), text)))
        return tuple(items)
    pairs = value.items() if isinstance(value, Mapping) else value
    return tuple(
        (str(layer), _parse_channel_list(str(layer), chans) if isinstance(chans, str) else tuple(int(c) for c in chans))
        for layer, chans in pairs
    )


@dataclass(frozen=True)
class DreamConfig:
    """Settings of one DeepDream run (the seed and images are passed separately).

    Attributes:
        layers: (layer, weight) pairs; the objective is the weighted sum over
            layers of the mean squared activation.
        channels: optional (layer, channels) pairs restricting a layer's objective.
        octaves: number of scales, smallest first.
        octave_scale: size ratio between neighbouring octaves (> 1).
        iterations: gradient-ascent steps per octave.
        step: step size in [0, 1] pixel units, applied to the gradient
            normalised to a mean absolute value of 1.
        jitter: maximum random roll in px each step.
        smoothing: ``"none"``, ``"gaussian"`` (cascade) or ``"laplacian"``
            (pyramid normalisation) applied to the gradient.
        tile: tile side in px for tiled gradients; None tiles automatically
            only when the image would not fit in memory; 0 never tiles.
        colour: ``"rgb"`` steps each channel alone; ``"decorrelated"`` steps
            in a decorrelated colour space, mostly along lightness, for
            quieter hues and a weaker dream at the same step
            (:mod:`dreamstyle.deepdream.parameterisation`).
        bounds: ``"soft"`` slows a pixel as it nears black or white (a
            sigmoid parameterisation); ``"clamp"`` clips it there.
    """

    layers: LayerWeights = (("relu4_2", 1.0),)
    channels: ChannelSelection = ()
    octaves: int = 4
    octave_scale: float = 1.5
    iterations: int = 6
    step: float = 0.012
    jitter: int = 32
    smoothing: str = "laplacian"
    tile: int | None = None
    colour: str = "rgb"
    bounds: str = "soft"

    # Settings added after the first release, each with the value under which it
    # changes nothing: what runs made before it existed did. ``--like`` fills
    # these in for older metadata, so an old output repeats as it was made.
    VALUES_IN_OLDER_RUNS: ClassVar[Mapping[str, Any]] = {"colour": "rgb", "bounds": "clamp"}

    def __post_init__(self) -> None:
        object.__setattr__(self, "layers", parse_layer_weights(self.layers))
        object.__setattr__(self, "channels", parse_channels(self.channels))
        check_scalar_types(self)
        require([
            (self.octaves >= 1, "octaves", f"must be at least 1, got {self.octaves}"),
            (self.octaves <= MAX_SCALES, "octaves", f"must be at most {MAX_SCALES}, got {self.octaves}"),
            (self.octave_scale > 1, "octave_scale", f"must be greater than 1, got {self.octave_scale}"),
            (self.iterations >= 1, "iterations", f"must be at least 1, got {self.iterations}"),
            (self.iterations <= MAX_ITERATIONS, "iterations",
             f"must be at most {MAX_ITERATIONS}, got {self.iterations}"),
            (self.step > 0, "step", f"must be positive, got {self.step}"),
            (self.step <= 1, "step", f"must be at most 1 (a whole pixel value per step), got {self.step}"),
            (self.jitter >= 0, "jitter", f"must not be negative, got {self.jitter}"),
            (self.smoothing in SMOOTHINGS, "smoothing",
             f"must be one of {', '.join(SMOOTHINGS)}, got {self.smoothing!r}"),
            (self.colour in COLOUR_SPACES, "colour", f"must be one of {', '.join(COLOUR_SPACES)}, got {self.colour!r}"),
            (self.bounds in BOUNDS, "bounds", f"must be one of {', '.join(BOUNDS)}, got {self.bounds!r}"),
            tile_check(self.tile),
        ])
        named = {name for name, _ in self.layers}
        for layer, _ in self.channels:
            if layer not in named:
                raise InvalidArgumentError(Setting("channels"),
                                           f": {layer} is not one of the dream layers ({', '.join(sorted(named))})")

    def to_dict(self) -> dict[str, Any]:
        """Plain values for metadata and presets (round-trips through :meth:`from_dict`)."""
        return {
            "layers": format_layer_weights(self.layers),
            "channels": ";".join(f"{layer}={','.join(map(str, chans))}" for layer, chans in self.channels),
            **{f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("layers", "channels")},
        }

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> "DreamConfig":
        return cls(**{key: value for key, value in values.items() if key in config_keys()})


def config_keys() -> tuple[str, ...]:
    return tuple(f.name for f in fields(DreamConfig))


# The preset a run starts from when it names none (and has no earlier output to be like).
DEFAULT_PRESET = "classic"
# Growing a pattern from noise needs more steps than decorating a photo.
ATLAS_CONFIG = DreamConfig(octaves=3, octave_scale=1.5, iterations=12, step=0.012, jitter=8, smoothing="laplacian")
