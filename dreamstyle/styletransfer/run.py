"""Resolving a transfer run: the shared run logic with the transfer engine's config and defaults."""

from __future__ import annotations

import functools
from dataclasses import replace

from ..runs import Run, like_metadata
from ..runs import resolve_run as _resolve_run
from .config import DEFAULT_PRESET, DEFAULT_SIZE, TransferConfig

like_transfer = functools.partial(like_metadata, command="transfer")


def resolve_run(preset=None, like=None, size=None, seed=None, **settings) -> Run:
    """Preset, then a previous run's settings, then explicit ones; at most 512 px when no size is known."""
    run = _resolve_run("transfer", TransferConfig, DEFAULT_PRESET, preset, like, size, seed, **settings)
    return replace(run, size_cap=DEFAULT_SIZE)


__all__ = ["DEFAULT_PRESET", "DEFAULT_SIZE", "Run", "like_transfer", "resolve_run"]
