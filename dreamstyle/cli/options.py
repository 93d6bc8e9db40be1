"""Options shared by several commands, declared once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

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

# --weights and --pooling default to None so that --like can fill them from an
# earlier output; dreamstyle.runs.backbone_settings supplies the real defaults.
backbone_options = _stack(
    click.option("--weights", default=None, metavar="NAME|FILE",
                 help=f"Weight set ({', '.join(WEIGHT_SETS)}) or a local .pth state dict [default: {DEFAULT_WEIGHTS}]."),
    click.option("--weights-format", type=click.Choice(sorted(PREPROCESSINGS)), default=None,
                 help="Input convention of a local --weights file: caffe (BGR 0-255) or torchvision."),
    click.option("--pooling", type=click.Choice(POOLINGS), default=None,
                 help="Max pooling, or average pooling rescaled to keep activation magnitudes [default: max]."),
    runtime_options,
)


def run_options(command: str):
    """Options every engine command has: settings sources, size and intermediate saves."""
    return _stack(
        click.option("--preset", default=None, metavar="NAME|FILE.toml",
                     help="Starting settings: a built-in preset (dreamstyle presets) or your TOML file "
                          "[default: classic]."),
        click.option("--like", type=click.Path(path_type=Path), default=None,
                     help=f"Reuse every setting (and the seed) stored in an earlier dreamstyle {command} output."),
        click.option("--size", type=int, default=None, help="Longest side of the output in px."),
        click.option("--save-every", type=click.IntRange(min=1), default=None,
                     help="Also write the image every N steps (OUTPUT_stepNNNN.png)."),
    )

seed_option = click.option("--seed", type=click.IntRange(min=0), default=None,
                           help="Random seed; the same seed reproduces a run bit for bit on the same machine.")

quiet_option = click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")

force_option = click.option("--force", "-f", is_flag=True, help="Overwrite an existing output file.")

