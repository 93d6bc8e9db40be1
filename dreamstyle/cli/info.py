"""``dreamstyle layers`` and ``dreamstyle weights``: what the backbone offers."""

from __future__ import annotations

import click

from ..backbone.choice import DEFAULT_WEIGHTS
from ..backbone.geometry import VGG_CONFIGS, layer_specs
from ..backbone.weights import WEIGHT_SETS
from .messages import Command
from .options import runtime_options

MODEL_CHOICES = tuple(WEIGHT_SETS) + tuple(VGG_CONFIGS)


@click.command(cls=Command)
@click.option("--model", type=click.Choice(MODEL_CHOICES), default=DEFAULT_WEIGHTS, show_default=True,
              help="Weight set (or bare architecture) whose layers to list.")
def layers(model: str) -> None:
    """List every layer: name, channels, stride and receptive field in input pixels.

    Use the names with --layers / --channels of the engines; a layer with
    stride S needs an input of at least S x S pixels.
    """
    arch = WEIGHT_SETS[model].arch if model in WEIGHT_SETS else model
    click.echo(f"{model} ({arch}): {len(layer_specs(arch))} layers")
    click.echo(f"{'layer':<9}{'channels':>9}{'stride':>8}{'receptive field':>17}")
    for spec in layer_specs(arch):
        click.echo(f"{spec.name:<9}{spec.channels:>9}{spec.stride:>8}{spec.receptive_field:>14} px")


@click.command(cls=Command)
@runtime_options
def weights(device: str, precision: str) -> None:
    """List the weight sets, whether each is usable here, and where each comes from.

    Also shows what --device and --precision resolve to on this machine.
    """
    from ..runtime import Runtime  # imports torch, which the list of layers does without

    click.echo(f"{'name':<19}{'arch':<7}{'input':<13}{'status'}")
    for weight_set in WEIGHT_SETS.values():
        status = weight_set.status()
        mark = "usable" if status.usable else "not usable"
        click.echo(f"{weight_set.name:<19}{weight_set.arch:<7}{weight_set.preprocessing.name:<13}{mark} ({status.detail})")
        click.echo(f"{'':<19}{weight_set.description}")
    click.echo(f"{'FILE':<19}{'either':<7}{'--weights-format':<13} a local state dict in torchvision's "
               f"features.N layout: --weights FILE --weights-format caffe|torchvision")
    runtime = Runtime.resolve(device, precision)
    click.echo(f"\nthis machine: --device {device} -> {runtime.device}, --precision {precision} -> {runtime.precision}")
