"""Choosing layers: ``"relu4_2:1,relu5_1:0.5"`` strings as (layer, weight) pairs."""

from __future__ import annotations

from collections.abc import Mapping

from ..errors import InvalidArgumentError, Setting

LayerWeights = tuple[tuple[str, float], ...]


def parse_layer_weights(value: str | Mapping[str, float] | LayerWeights, what: str = "layers") -> LayerWeights:
    """``"relu4_2:1,relu5_1:0.5"`` (weight defaults to 1), a mapping, or pairs -> ((layer, weight), ...).

    ``what`` names the setting in error messages.
    """
    if isinstance(value, str):
        pairs = []
        for item in filter(None, (part.strip() for part in value.split(","))):
            name, _, weight = item.partition(":")
            try:
                pairs.append((name.strip(), float(weight) if weight.strip() else 1.0))
            except ValueError:
                raise InvalidArgumentError(Setting(what),
                                           f": bad weight in {item!r}; write LAYER or LAYER:WEIGHT") from None
        value = pairs
    elif isinstance(value, Mapping):
        value = list(value.items())
    result = tuple((str(name), float(weight)) for name, weight in value)
    if not result:
        raise InvalidArgumentError(Setting(what), ": name at least one layer, e.g. relu4_2")
    for name, weight in result:
        if weight < 0:
            raise InvalidArgumentError(Setting(what), f": weight of {name} must not be negative, got {weight:g}")
    return result


def format_layer_weights(layers: LayerWeights) -> str:
    """The inverse of :func:`parse_layer_weights`: ``"relu4_2:1,relu5_1:0.5"``."""
    return ",".join(f"{name}:{weight:g}" for name, weight in layers)


def weight_sum(layers: LayerWeights) -> float:
    """The layers' weights added up, or 1 when they are all zero: what a weighted mean over layers divides by."""
    return sum(w for _, w in layers) or 1.0
