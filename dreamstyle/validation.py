"""Checks shared by the frozen settings dataclasses (dream, transfer, instant, temporal)."""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Mapping
from dataclasses import fields
from typing import Any

from .errors import InvalidArgumentError

# Scalar annotations, as written in the dataclasses, and what a value of each must be.
# numbers.Integral / Real also admit NumPy's scalars; bool is refused separately.
_SCALARS = {"int": (numbers.Integral, "a whole number"), "float": (numbers.Real, "a number"), "str": (str, "text")}


def check_scalar_types(settings: Any) -> None:
    """Refuse a scalar setting of the wrong type with one clear line.

    A preset's ``style_weight = "x"`` or an API call's ``iterations="10"``
    would otherwise surface later as a TypeError from a range check. Fields
    annotated ``int``, ``float`` or ``str`` (optionally ``| None``) are
    checked; the others parse their own values.
    """
    for field in fields(settings):
        annotation = str(field.type)
        optional = annotation.endswith(" | None")
        expected = _SCALARS.get(annotation.removesuffix(" | None"))
        value = getattr(settings, field.name)
        if expected is None or (optional and value is None):
            continue
        kind, described = expected
        if isinstance(value, bool) or not isinstance(value, kind):
            raise InvalidArgumentError.about(field.name, f"must be {described}, got {value!r}")


# Beyond these a run would not end in any time a person waits for; a typo, not a wish.
MAX_ITERATIONS = 100_000
MAX_SCALES = 16


# The stride of the deepest layer (pool5): a smaller tile would not hold one whole position of it.
MIN_REQUESTED_TILE = 32


def tile_check(tile: int | None) -> tuple[bool, str, str]:
    """The check of a ``tile`` setting, for :func:`require`: None (automatic), 0 (never) or at least 32 px."""
    return (tile is None or tile == 0 or tile >= MIN_REQUESTED_TILE,
            "tile", f"must be 0 (never), or at least {MIN_REQUESTED_TILE} px, got {tile}")


def require(checks: Iterable[tuple[bool, str, str]]) -> None:
    """Raise the first failed check's complaint about its setting, as an :class:`InvalidArgumentError`.

    Each check is ``(ok, setting, complaint)``: ``(x >= 1, "octaves", f"must be at least 1, got {x}")``.
    """
    for ok, setting, complaint in checks:
        if not ok:
            raise InvalidArgumentError.about(setting, complaint)


def own_fields(config_type: type, values: Mapping[str, Any]) -> dict[str, Any]:
    """The part of ``values`` (a run's settings, which may hold other engines' too) that names fields of the
    dataclass ``config_type``: what its ``from_dict`` builds it from."""
    names = {field.name for field in fields(config_type)}
    return {key: value for key, value in values.items() if key in names}
