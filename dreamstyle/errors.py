"""Errors a person can act on.

Everything here is raised for a mistake in what was asked (a bad file, an
unknown layer, a missing download), never for a bug. The CLI prints each as a
single ``Error: ...`` line; Python callers can catch the built-in base class
each one also derives from.
"""

from __future__ import annotations


def count_of(number: int, thing: str) -> str:
    """``"1 style image"``, ``"3 style images"``: a count in words a message can use."""
    return f"{number} {thing}{'' if number == 1 else 's'}"


class DreamstyleError(Exception):
    """Base class of every error whose message is meant for the user."""


class InvalidArgumentError(DreamstyleError, ValueError):
    """An argument has a value dreamstyle cannot use (unknown layer, bad size...)."""


class ImageReadError(DreamstyleError, OSError):
    """A file could not be read as an image."""


class ImageWriteError(DreamstyleError, OSError):
    """An image could not be written where it was asked to go."""


class OutputExistsError(ImageWriteError, FileExistsError):
    """The output exists already and overwriting was not allowed."""


class WeightsUnavailableError(DreamstyleError, RuntimeError):
    """A weight set cannot be loaded on this machine (missing file, no network, bad format)."""


class DeviceUnavailableError(DreamstyleError, RuntimeError):
    """The requested device or precision does not exist on this machine."""


def setting_named_by(message: str) -> str | None:
    """The setting a settings check's message is about: its first word (``"style_scale must be..."``), if a name."""
    first = message.split(" ", 1)[0].rstrip(":")
    return first if first.isidentifier() else None
