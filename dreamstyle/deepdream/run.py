"""Resolving what a dream run will do, and recording it so it can be repeated."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..backbone import DEFAULT_WEIGHTS, VGGFeatures
from ..errors import InvalidArgumentError
from ..imaging import read_metadata
from ..presets import merge_settings
from ..runtime import choose_seed
from ..version import __version__
from .config import DreamConfig, config_keys

DEFAULT_PRESET = "classic"


@dataclass(frozen=True)
class DreamRun:
    """Everything that decides a dream's pixels, besides the images and the weights.

    Attributes:
        config: engine settings.
        seed: the seed used (chosen at random when none was given).
        size: longest side the input is resized to, or None to keep it.
        preset: the preset the settings started from.
    """

    config: DreamConfig
    seed: int
    size: int | None
    preset: str | None

    def metadata(self, net: VGGFeatures, **extra: Any) -> dict[str, Any]:
        """The parameters stored in the output file, enough for ``--like`` to repeat the run."""
        return {
            "dreamstyle": __version__, "command": "dream", "preset": self.preset, "seed": self.seed,
            "size": self.size, "config": self.config.to_dict(), "weights": net.weights,
            "pooling": net.pooling, "precision": net.precision, "device": str(net.device), **extra,
        }


def like_metadata(like: str | os.PathLike | Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    """A previous dream's metadata, from its image file or as a dict."""
    if like is None or isinstance(like, Mapping):
        return like
    metadata = read_metadata(like)
    if metadata.get("command") != "dream":
        raise InvalidArgumentError(f"{like} holds no dreamstyle dream settings to reuse")
    return metadata


def resolve_run(
    preset: str | os.PathLike | None = None,
    like: str | os.PathLike | Mapping[str, Any] | None = None,
    size: int | None = None,
    seed: int | None = None,
    **settings: Any,
) -> DreamRun:
    """Combine a preset, a previous run and explicit settings (in that order of precedence, lowest first)."""
    previous = like_metadata(like)
    if preset is None and previous is None:
        preset = DEFAULT_PRESET
    values = merge_settings("dream", config_keys(), preset, previous and previous.get("config", {}), settings)
    if previous is not None:
        seed = previous.get("seed") if seed is None else seed
        size = previous.get("size") if size is None else size
        preset = preset if preset is not None else previous.get("preset")
    if size is not None and size < 16:
        raise InvalidArgumentError(f"size must be at least 16 px, got {size}")
    return DreamRun(DreamConfig.from_dict(values), choose_seed(seed), size,
                    None if preset is None else os.fspath(preset))


def backbone_settings(like: Mapping[str, Any] | None, weights: str | None, pooling: str | None) -> tuple[str, str]:
    """Weights and pooling: explicit values, else a previous run's, else the defaults."""
    previous = like or {}
    return (weights or previous.get("weights") or DEFAULT_WEIGHTS, pooling or previous.get("pooling") or "max")
