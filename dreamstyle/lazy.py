"""Packages whose public names are imported on first use.

Most of dreamstyle imports torch, which takes seconds. A package that
re-exported its modules' names eagerly would import torch for any one of
them, so ``dreamstyle --help`` and a mistyped option would wait for it too.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(package: str, exports: Mapping[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """A package's module ``__getattr__`` and ``__dir__`` (PEP 562) for ``exports``.

    Args:
        package: the package's ``__name__``.
        exports: each public name and the module that defines it, relative to the package (``".engine"``).

    Returns:
        ``(__getattr__, __dir__)``: the first imports the name's module when the name is first read and
        keeps the value in the package, so later reads cost nothing.
    """
    namespace = importlib.import_module(package).__dict__

    def __getattr__(name: str) -> Any:
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(exports[name], package), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *exports})

    return __getattr__, __dir__
