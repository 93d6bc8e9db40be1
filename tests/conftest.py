"""Shared fixtures: the backbone is loaded once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from dreamstyle import load_backbone
from dreamstyle.imaging import read_image

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA


@pytest.fixture(scope="session")
def vgg19():
    """The default offline backbone in fp32, so comparisons can be exact."""
    return load_backbone("vgg19", device="cpu", precision="fp32")


@pytest.fixture(scope="session")
def photo() -> torch.Tensor:
    """chelsea.png (a real photo) as a (1, 3, 85, 128) batch in [0, 1]."""
    return read_image(DATA / "chelsea.png", size=128).batch()
