"""Shared fixtures: the backbone is loaded once per test session, on the device under test.

``pytest --device cuda`` (or ``DREAMSTYLE_TEST_DEVICE=cuda pytest``) runs the
engine tests on a GPU; the default is the CPU. Commands run by the tests pick
the same device through ``DREAMSTYLE_DEVICE``, as a user's shell would.
Tests marked ``cpu_only`` (CPU bf16, resident-memory measurements) or
``cuda_only`` run only on that kind of device.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

from dreamstyle import load_backbone
from dreamstyle.imaging import read_image
from dreamstyle.runtime import resolve_device

DATA = Path(__file__).parent / "data"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--device", default=os.environ.get("DREAMSTYLE_TEST_DEVICE", "cpu"),
                     help="device the engine tests run on: cpu, cuda, cuda:N or mps "
                          "[default: $DREAMSTYLE_TEST_DEVICE, else cpu]")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "cpu_only: only meaningful on the CPU (skipped with --device cuda)")
    config.addinivalue_line("markers", "cuda_only: needs a CUDA device (run with --device cuda)")
    os.environ["DREAMSTYLE_DEVICE"] = config.getoption("--device")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    kind = torch.device(config.getoption("--device")).type
    for item in items:
        if "cpu_only" in item.keywords and kind != "cpu":
            item.add_marker(pytest.mark.skip(reason=f"only meaningful on the CPU (testing {kind})"))
        if "cuda_only" in item.keywords and kind != "cuda":
            item.add_marker(pytest.mark.skip(reason="needs a CUDA device: pytest --device cuda"))


def pytest_report_header(config: pytest.Config) -> str:
    device = resolve_device(config.getoption("--device"))
    name = f" ({torch.cuda.get_device_name(device)})" if device.type == "cuda" else ""
    return f"dreamstyle test device: {device}{name}; torch {torch.__version__}"


@pytest.fixture(scope="session")
def device(pytestconfig: pytest.Config) -> torch.device:
    """The device under test (``--device``)."""
    return resolve_device(pytestconfig.getoption("--device"))


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA


@pytest.fixture(scope="session")
def vgg19(device):
    """The default offline backbone in fp32 on the device under test, so comparisons can be exact."""
    return load_backbone("vgg19", device=device, precision="fp32")


@pytest.fixture(scope="session")
def photo(device) -> torch.Tensor:
    """chelsea.png (a real photo) as a (1, 3, 85, 128) batch in [0, 1], on the device under test."""
    return read_image(DATA / "chelsea.png", size=128).batch().to(device)


# The style-transfer tests' pictures: a photo and two styles, one of them grayscale.
@pytest.fixture(scope="module")
def content(data_dir, device) -> torch.Tensor:
    return read_image(data_dir / "chelsea.png", size=64).batch().to(device)


@pytest.fixture(scope="module")
def mosaic(data_dir, device) -> torch.Tensor:
    return read_image(data_dir / "mosaic.jpg", size=96).batch().to(device)


@pytest.fixture(scope="module")
def brick(data_dir, device) -> torch.Tensor:
    return read_image(data_dir / "brick.png", size=96).batch().to(device)  # a grayscale texture
