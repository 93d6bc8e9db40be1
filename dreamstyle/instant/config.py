"""InstantConfig: every setting of an instant picture, frozen and validated (torch-free, like every config)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from ..styles import COLOR_MODES, parse_blend
from ..validation import check_scalar_types, own_fields, require


@dataclass(frozen=True)
class InstantConfig:
    """Settings of one instant picture (the seed and images are passed separately; a pass draws no noise).

    The names are the transfer command's, so a transfer's presets, flags and ``--like`` speak of them alike.

    Attributes:
        style_blend: one weight per style image (empty: equal): how the styles' vectors mix.
        preserve_colors: ``"none"``, ``"match"`` (the styles recoloured to the photo first) or
            ``"luminance"`` (the picture's luminance with the photo's colours).
        instant_strength: 0 to 1: how far from the photo's own style vector toward the styles'.
        guided_filter: radius in px, at a 512 px output, of a guided filter with the photo as guide run on the
            picture (see :func:`dreamstyle.imaging.guided_filter.photo_filtered`); 0: off.
    """

    style_blend: tuple[float, ...] = ()
    preserve_colors: str = "none"
    instant_strength: float = 1.0
    guided_filter: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "style_blend", parse_blend(self.style_blend))
        check_scalar_types(self)
        require([
            (self.preserve_colors in COLOR_MODES, "preserve_colors", f"must be one of {', '.join(COLOR_MODES)}"),
            (0 <= self.instant_strength <= 1, "instant_strength", f"must be in [0, 1], got {self.instant_strength}"),
            (self.guided_filter >= 0, "guided_filter", f"must not be negative, got {self.guided_filter}"),
        ])

    def to_dict(self) -> dict[str, Any]:
        """Plain values for metadata and presets (round-trips through :meth:`from_dict`)."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values["style_blend"] = ",".join(f"{w:g}" for w in self.style_blend)
        return values

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> "InstantConfig":
        return cls(**own_fields(cls, values))
