"""Seeds: every random draw of a run comes from one seed, so the run repeats bit for bit."""

from __future__ import annotations

import secrets

import torch

from .errors import InvalidArgumentError


def choose_seed(seed: int | None) -> int:
    """``seed`` itself, or a fresh random one to print and store so the run can be repeated."""
    if seed is None:
        return secrets.randbelow(2**32)
    if seed < 0:
        raise InvalidArgumentError(f"seed must be zero or positive, got {seed}")
    return int(seed)


def make_generator(seed: int) -> torch.Generator:
    """A private CPU random generator seeded with ``seed``.

    Engines draw from it instead of torch's global generator, so a run never
    depends on (or disturbs) anything else; drawing on the CPU and moving the
    result to the device gives the same numbers on every device.
    """
    generator = torch.Generator(device="cpu")
    generator.manual_seed(seed)
    return generator
