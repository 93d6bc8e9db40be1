"""What a style argument names: an image, or one of the instant network's 26 built-in styles (``builtin:N``).

Torch-free, so that the command line tells a built-in style from a file
before torch loads; shared by the request every style engine is prepared
from and by the instant engine, which alone paints built-in styles.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .errors import InvalidArgumentError, Setting, count_of

# A style named so is one of the instant network's built-in styles (builtin:0 to builtin:25), not a file.
BUILTIN_PREFIX = "builtin:"
# How a style engine may keep the photo's colours: not at all, its luminance under the photo's chroma, or the
# styles recoloured to the photo's colour statistics first.
COLOR_MODES = ("none", "luminance", "match")
# The 26-style network learned this many styles (Dumoulin et al.'s "Monet" set as Magenta ships it).
BUILTIN_STYLES = 26


@dataclass(frozen=True)
class BuiltinStyle:
    """One of the 26 styles the 26-style network learned (``builtin:0`` to ``builtin:25``)."""

    index: int

    def __post_init__(self) -> None:
        if not 0 <= self.index < BUILTIN_STYLES:
            raise InvalidArgumentError(f"{BUILTIN_PREFIX}{self.index}: the built-in styles are "
                                       f"{BUILTIN_PREFIX}0 to {BUILTIN_PREFIX}{BUILTIN_STYLES - 1}")

    @property
    def name(self) -> str:
        return f"{BUILTIN_PREFIX}{self.index}"


def builtin_style(name: object) -> BuiltinStyle | None:
    """``"builtin:7"`` -> BuiltinStyle(7); anything else (a path, an image) -> None.

    Raises:
        InvalidArgumentError: a ``builtin:`` name without a number from 0 to 25.
    """
    if not isinstance(name, str) or not name.startswith(BUILTIN_PREFIX):
        return None
    number = name[len(BUILTIN_PREFIX):]
    if not number.isdigit():
        raise InvalidArgumentError(Setting(name), f": write a built-in style as {BUILTIN_PREFIX}N, N from 0 to "
                                   f"{BUILTIN_STYLES - 1} (dreamstyle styles shows them)")
    return BuiltinStyle(int(number))
# A built-in style has no image: a style mask over one is fitted to a square of the predictor's side.
BUILTIN_STYLE_SIDE = 256


def parse_blend(value: str | Sequence[float] | None) -> tuple[float, ...]:
    """A blend of styles, ``"0.7,0.3"`` or numbers -> (0.7, 0.3), one weight per style; empty means equal weights.

    Raises:
        InvalidArgumentError: naming ``style_blend``, for text that is not numbers, or weights negative or all zero.
    """
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        try:
            value = [float(part) for part in value.split(",") if part.strip()]
        except ValueError:
            raise InvalidArgumentError(Setting("style_blend"),
                                       f": {value!r} is not a list of numbers like 0.7,0.3") from None
    blend = tuple(float(v) for v in value)
    if any(v < 0 for v in blend) or (blend and sum(blend) <= 0):
        raise InvalidArgumentError(Setting("style_blend"),
                                   f": weights must be non-negative and not all zero, got {blend}")
    return blend


def style_weights(blend: tuple[float, ...], styles: int) -> tuple[float, ...]:
    """The weight of each of ``styles`` styles: ``blend`` (a config's ``style_blend``), or equal weights.

    Raises:
        InvalidArgumentError: no style, or a blend (naming ``style_blend``) of another length.
    """
    if styles < 1:
        raise InvalidArgumentError("give at least one style image")
    blend = blend or (1.0,) * styles
    if len(blend) != styles:
        raise InvalidArgumentError.about("style_blend",
                                         f"has {len(blend)} weights for {count_of(styles, 'style image')}")
    return blend
