"""Seeds: every random draw of a run comes from one seed, so the run repeats bit for bit."""

from __future__ import annotations

import numbers
import secrets
from typing import TYPE_CHECKING

from .errors import InvalidArgumentError

if TYPE_CHECKING:
    import torch


# Runs draw from seed + a frame's or a batch's index, which must still fit torch's 64-bit seeds.
MAX_SEED = 2**62


def choose_seed(seed: int | None) -> int:
    """``seed`` itself, or a fresh random one to print and store so the run can be repeated.

    Raises:
        InvalidArgumentError: ``seed`` is not a whole number from 0 to :data:`MAX_SEED`.
    """
    if seed is None:
        return secrets.randbelow(2**32)
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or not 0 <= seed <= MAX_SEED:
        raise InvalidArgumentError.about("seed", f"must be a whole number from 0 to {MAX_SEED}, got {seed!r}")
    return int(seed)


def make_generator(seed: int) -> torch.Generator:
    """A private CPU random generator seeded with ``seed``.

    Engines draw from it instead of torch's global generator, so a run never
    depends on (or disturbs) anything else; drawing on the CPU and moving the
    result to the device gives the same numbers on every device.
    """
    import torch  # only engines draw, and they have imported torch already; choosing a seed needs none

    generator = torch.Generator(device="cpu")
    generator.manual_seed(seed)
    return generator
