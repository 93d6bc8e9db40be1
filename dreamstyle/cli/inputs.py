"""The files a command names, checked before it imports torch, so that a mistyped name is said at once."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from ..errors import ImageReadError
from ..video.config import GLOB_CHARACTERS


def check_inputs_exist(names: Iterable[str | os.PathLike | None]) -> None:
    """Raise for the first name (None: not given; a pattern: matched later) that names no file or folder.

    Raises:
        ImageReadError: ``"NAME: no such file"``, the words the readers use too.
    """
    for name in names:
        if name is None:
            continue
        text = os.fspath(name)
        if any(character in text for character in GLOB_CHARACTERS) or Path(text).expanduser().exists():
            continue
        raise ImageReadError(f"{text}: no such file")
