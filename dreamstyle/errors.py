"""Errors a person can act on.

Everything here is raised for a mistake in what was asked (a bad file, an
unknown layer, a missing download), never for a bug. The CLI prints each as a
single ``Error: ...`` line; Python callers can catch the built-in base class
each one also derives from.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple


def count_of(number: int, thing: str) -> str:
    """``"1 style image"``, ``"3 style images"``: a count in words a message can use."""
    return f"{number} {thing}{'' if number == 1 else 's'}"


class Setting(str):
    """A setting's name inside a message, spelt as Python passes it (``style_scale``).

    Other front ends word it their own way: the command line writes the
    option that sets it (``--style-scale``).
    """


class Placeholder(str):
    """A stand-in for a value the person fills in (``FILE``): written bare, never quoted."""

    def __repr__(self) -> str:
        return str(self)


class Assignment(NamedTuple):
    """A value to pass inside a message (``overwrite=True``); the command line writes its option (``--force``)."""

    setting: str
    value: Any

    def __str__(self) -> str:
        return f"{self.setting}={self.value!r}"


class DreamstyleError(Exception):
    """Base class of every error whose message is meant for the user.

    The message is given in parts: text, :class:`Setting` names and
    :class:`Assignment` values, so that a front end can word the settings
    in its own terms (:meth:`worded`) without reading the text. ``setting``
    is the setting the error is about, for whoever must point at it (a
    preset file, a form field); it defaults to the message's first part
    when that is a :class:`Setting`.
    """

    def __init__(self, *parts: str | Assignment, setting: str | None = None) -> None:
        self.parts = parts
        self.setting = setting if setting is not None or not parts or not isinstance(parts[0], Setting) \
            else str(parts[0])
        super().__init__("".join(map(str, parts)))

    def __reduce__(self):
        # Pickling keeps the parts and the setting, not only the joined message.
        return _rebuilt, (type(self), self.parts, self.setting)

    def worded(self, word: Callable[[str | Assignment], str]) -> str:
        """The message with each part written by ``word`` (which returns plain text parts as they are)."""
        return "".join(word(part) for part in self.parts)

    @classmethod
    def about(cls, setting: str, complaint: str) -> "DreamstyleError":
        """``setting complaint`` (``"tile must be ..."``), about ``setting``."""
        return cls(Setting(setting), f" {complaint}")


def _rebuilt(kind: type[DreamstyleError], parts: tuple, setting: str | None) -> DreamstyleError:
    return kind(*parts, setting=setting)


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
