"""Presets: named sets of engine settings in TOML files.

Built-in presets live in the repository's ``presets/<kind>/NAME.toml`` (shipped
in the wheel as ``dreamstyle.presets_data``); a user passes a name or the path
of their own file. A preset holds a one-line ``description`` and any of the
engine's config keys; anything else is an error naming the key and the file.
"""

from __future__ import annotations

import importlib.resources
import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import InvalidArgumentError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

KINDS = ("dream", "transfer")


@dataclass(frozen=True)
class Preset:
    """A named set of config values.

    Attributes:
        name: the file's stem (``deep`` for ``deep.toml``).
        kind: which engine it is for (``"dream"`` or ``"transfer"``).
        description: one line for ``dreamstyle presets``.
        values: config key -> value.
        source: where it was read from.
    """

    name: str
    kind: str
    description: str
    values: Mapping[str, Any]
    source: str


def _builtin_folder(kind: str):
    return importlib.resources.files("dreamstyle.presets_data").joinpath(kind)


def builtin_presets(kind: str) -> list[Preset]:
    """The presets that ship with dreamstyle for ``kind``, sorted by name."""
    folder = _builtin_folder(kind)
    if not folder.is_dir():
        return []
    files = sorted((entry for entry in folder.iterdir() if entry.name.endswith(".toml")), key=lambda e: e.name)
    return [_parse(entry.read_text(encoding="utf-8"), entry.name[:-5], kind, str(entry), None) for entry in files]


def load_preset(name_or_path: str | os.PathLike, kind: str, allowed_keys: Iterable[str]) -> Preset:
    """A built-in preset by name, or a user's TOML file by path, checked against ``allowed_keys``."""
    text = os.fspath(name_or_path)
    path = Path(text).expanduser()
    if text.endswith(".toml") or os.sep in text or path.is_file():
        if not path.is_file():
            raise InvalidArgumentError(f"preset file {path} does not exist")
        try:
            content = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise InvalidArgumentError(f"cannot read preset file {path}: {error}") from None
        return _parse(content, path.stem, kind, str(path), allowed_keys)
    entry = _builtin_folder(kind).joinpath(f"{text}.toml")
    if not entry.is_file():
        names = ", ".join(p.name for p in builtin_presets(kind))
        raise InvalidArgumentError(f"unknown {kind} preset {text!r}; built-in: {names} (or the path of a .toml file)")
    return _parse(entry.read_text(encoding="utf-8"), text, kind, str(entry), allowed_keys)


def _parse(content: str, name: str, kind: str, source: str, allowed_keys: Iterable[str] | None) -> Preset:
    try:
        data = tomllib.loads(content)
    except tomllib.TOMLDecodeError as error:
        raise InvalidArgumentError(f"preset {source} is not valid TOML: {error}") from None
    description = str(data.pop("description", ""))
    if allowed_keys is not None:
        allowed = set(allowed_keys)
        for key in data:
            if key not in allowed:
                raise InvalidArgumentError(
                    f"unknown key {key!r} in preset {source}; allowed: description, {', '.join(sorted(allowed))}"
                )
    return Preset(name, kind, description, data, source)


def merge_settings(
    kind: str,
    allowed_keys: Iterable[str],
    preset: str | os.PathLike | None,
    like: Mapping[str, Any] | None,
    overrides: Mapping[str, Any],
) -> dict[str, Any]:
    """Effective config values: a preset's, then a previous run's (``like``), then explicit ones.

    ``overrides`` with value None are "not given" and change nothing. Unknown
    override keys are an error naming them.
    """
    allowed = tuple(allowed_keys)
    values: dict[str, Any] = {}
    if preset is not None:
        values.update(load_preset(preset, kind, allowed).values)
    if like is not None:
        values.update({key: value for key, value in like.items() if key in allowed})
    for key, value in overrides.items():
        if key not in allowed:
            raise InvalidArgumentError(f"unknown {kind} setting {key!r}; known: {', '.join(allowed)}")
        if value is not None:
            values[key] = value
    return values
