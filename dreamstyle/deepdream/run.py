"""Resolving a dream run: the shared run logic with the dream engine's config and default preset."""

from __future__ import annotations

import functools

from ..runs import Run, like_metadata
from ..runs import resolve_run as _resolve_run
from .config import DEFAULT_PRESET, DreamConfig

resolve_run = functools.partial(_resolve_run, "dream", DreamConfig, DEFAULT_PRESET)
like_dream = functools.partial(like_metadata, command="dream")

__all__ = ["DEFAULT_PRESET", "Run", "like_dream", "resolve_run"]
