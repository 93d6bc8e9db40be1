"""Options shared by several commands, declared once, and options made from the settings they set."""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import click

from ..backbone.choice import DEFAULT_POOLING, DEFAULT_WEIGHTS, BackboneChoice
from ..backbone.geometry import POOLINGS
from ..backbone.preprocessing import PREPROCESSINGS
from ..devices import DEVICE_CHOICES, PRECISION_CHOICES
from ..errors import DreamstyleError
from ..presets import merge_settings
from ..seeds import MAX_SEED
from .messages import in_options


def stack(*decorators: Callable) -> Callable:
    """One decorator that applies ``decorators`` as if written one above the other, first on top."""

    def apply(function: Callable) -> Callable:
        for decorator in reversed(decorators):
            function = decorator(function)
        return function

    return apply


@functools.cache
def preset_values(config_type: type, command: str, preset: str) -> Mapping[str, Any]:
    """Every setting of ``command``'s built-in ``preset`` as the command line writes it (``config_type``'s
    field defaults where the preset says nothing): what a run with that preset and no such option uses."""
    keys = [field.name for field in dataclasses.fields(config_type)]
    return config_type.from_dict(merge_settings(command, keys, preset, None, {})).to_dict()


def setting_option(defaults: Mapping[str, Any], name: str, *, help: str, unset: str = "none", **options: Any
                   ) -> Callable:
    """``--NAME`` for the config field ``name``: None unless given (a preset or ``--like`` fills it), its help
    ending with the value ``defaults`` (see :func:`preset_values`) holds, or ``unset`` for None or nothing."""
    value = defaults[name]
    shown = unset if value is None or value == "" else value
    return click.option(f"--{name.replace('_', '-')}", default=None,
                        help=f"{help.rstrip('.')} [default: {shown}].", **options)


def _device_from_environment(context: click.Context, parameter: click.Parameter, device: str) -> str:
    """A --device that $DREAMSTYLE_DEVICE holds is checked here, so that a bad one is blamed on the variable.

    (Click records where a value came from only after its callback has run.)
    """
    if device == os.environ.get("DREAMSTYLE_DEVICE"):
        from ..runtime import resolve_device  # imports torch, which only a device from the environment needs here

        try:
            resolve_device(device)
        except DreamstyleError as error:
            raise type(error)(f"DREAMSTYLE_DEVICE={device}: {in_options(error, context)}", setting="device") from None
    return device


def _deterministic(context: click.Context, parameter: click.Parameter, enabled: bool) -> None:
    if enabled:
        from ..runtime import use_deterministic_algorithms  # imports torch, which only this flag needs here

        use_deterministic_algorithms(True)


runtime_options = stack(
    click.option("--device", default="auto", show_default=True, metavar="|".join(DEVICE_CHOICES),
                 envvar="DREAMSTYLE_DEVICE", show_envvar=True, callback=_device_from_environment,
                 help="Where to run: auto picks CUDA, then MPS, then the CPU (cuda:N for a given GPU)."),
    click.option("--precision", type=click.Choice(PRECISION_CHOICES), default="auto", show_default=True,
                 help="Convolution precision: auto is bf16 where the hardware runs it fast, else fp32."),
    click.option("--deterministic", is_flag=True, expose_value=False, callback=_deterministic,
                 help="On CUDA, repeat a seed's picture bit for bit across processes too "
                      "(cuDNN's autotuner off; a little slower)."),
)

# --weights and --pooling default to None so that --like can fill them from an
# earlier output; BackboneChoice.filled_from supplies the real defaults.
_backbone_flags = stack(
    click.option("--weights", default=None, metavar="NAME|FILE",
                 help=f"Weight set (dreamstyle weights lists them) or a local .pth state dict [default: {DEFAULT_WEIGHTS}]."),
    click.option("--weights-format", type=click.Choice(sorted(PREPROCESSINGS)), default=None,
                 help="Input convention of a local --weights file: caffe (BGR 0-255) or torchvision."),
    click.option("--pooling", type=click.Choice(POOLINGS), default=None,
                 help=f"Max pooling, or average pooling rescaled to keep activation magnitudes "
                      f"[default: {DEFAULT_POOLING}]."),
    runtime_options,
)


def backbone_options(command: Callable) -> Callable:
    """--weights, --weights-format, --pooling, --device and --precision, given to ``command`` as one
    ``backbone`` argument (a :class:`BackboneChoice`)."""

    @functools.wraps(command)
    def with_backbone(*args, weights: str | None, weights_format: str | None, pooling: str | None, device: str,
                      precision: str, **kwargs):
        return command(*args, backbone=BackboneChoice(weights=weights, pooling=pooling, device=device,
                                                      precision=precision, weights_format=weights_format), **kwargs)

    return _backbone_flags(with_backbone)


def run_options(command: str, default_preset: str, default_size: str):
    """Options every engine command has: settings sources, size and intermediate saves.

    ``default_preset`` and ``default_size`` say in the help what a run without ``--preset`` and ``--size`` uses.
    """
    return stack(
        click.option("--preset", default=None, metavar="NAME|FILE.toml",
                     help="Starting settings: a built-in preset (dreamstyle presets) or your TOML file "
                          f"[default: {default_preset}]."),
        click.option("--like", type=click.Path(path_type=Path), default=None,
                     help=f"Reuse every setting (and the seed) stored in an earlier dreamstyle {command} output."),
        click.option("--size", type=int, default=None,
                     help=f"Longest side of the output in px (larger than the input enlarges it) "
                          f"[default: {default_size}]."),
        click.option("--save-every", type=click.IntRange(min=1), default=None,
                     help="Also write the image every N steps (OUTPUT_stepNNNN.png)."),
    )

seed_option = click.option("--seed", type=click.IntRange(0, MAX_SEED), default=None,
                           help="Random seed; the same seed reproduces a run bit for bit on the same machine.")

quiet_option = click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")

force_option = click.option("--force", "-f", is_flag=True, help="Overwrite an existing output file.")
