"""Options shared by several commands, declared once."""

from __future__ import annotations

from collections.abc import Callable

import click

from ..backbone import DEFAULT_WEIGHTS, POOLINGS, WEIGHT_SETS
from ..backbone.preprocessing import PREPROCESSINGS
from ..runtime import DEVICE_CHOICES, PRECISION_CHOICES


def _stack(*decorators: Callable) -> Callable:
    def apply(function: Callable) -> Callable:
        for decorator in reversed(decorators):
            function = decorator(function)
        return function

    return apply


runtime_options = _stack(
    click.option("--device", default="auto", show_default=True, metavar="|".join(DEVICE_CHOICES),
                 help="Where to run: auto picks CUDA, then MPS, then the CPU (cuda:N for a given GPU)."),
    click.option("--precision", type=click.Choice(PRECISION_CHOICES), default="auto", show_default=True,
                 help="Convolution precision: auto is bf16 where the hardware runs it fast, else fp32."),
)

backbone_options = _stack(
    click.option("--weights", default=DEFAULT_WEIGHTS, show_default=True, metavar="NAME|FILE",
                 help=f"Weight set ({', '.join(WEIGHT_SETS)}) or a local .pth state dict."),
    click.option("--weights-format", type=click.Choice(sorted(PREPROCESSINGS)), default=None,
                 help="Input convention of a local --weights file: caffe (BGR 0-255) or torchvision."),
    click.option("--pooling", type=click.Choice(POOLINGS), default="max", show_default=True,
                 help="Max pooling, or average pooling rescaled to keep activation magnitudes."),
    runtime_options,
)

seed_option = click.option("--seed", type=click.IntRange(min=0), default=None,
                           help="Random seed; the same seed reproduces a run bit for bit on the same machine.")

quiet_option = click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")

force_option = click.option("--force", "-f", is_flag=True, help="Overwrite an existing output file.")

