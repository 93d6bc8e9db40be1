"""``dreamstyle atlas``: what each channel of a layer responds to, as a contact sheet."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..deepdream.config import ATLAS_CONFIG, parse_channels
from .inputs import check_inputs_exist
from .messages import Command
from .options import force_option, quiet_option, runtime_options, seed_option

if TYPE_CHECKING:
    from ..progress import EngineProgress


@click.command(cls=Command)
@click.option("--layer", default=None, help="Layer whose channels to show, e.g. relu4_2.")
@click.option("--channels", default="0-15", show_default=True, help="Channels, e.g. 0-63 or 3,17,40-47.")
@click.option("--filters", "filters_layer", default=None, metavar="conv1_1",
              help="Instead: show this first layer's 3x3 kernels as colour patches.")
@click.option("--from", "start", type=click.Path(path_type=Path), default=None,
              help="Grow each tile from this image instead of noise.")
@click.option("--size", type=click.IntRange(min=32), default=128, show_default=True, help="Tile side in px.")
@click.option("--iterations", type=click.IntRange(min=1), default=None,
              help=f"Steps per octave [default: {ATLAS_CONFIG.iterations}].")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Output image [default: atlas_LAYER.png].")
@runtime_options
@seed_option
@force_option
@quiet_option
def atlas(layer: str | None, channels: str, filters_layer: str | None, start: Path | None, size: int,
          iterations: int | None, output: Path | None, device: str, precision: str, seed: int | None,
          force: bool, quiet: bool) -> None:
    """Draw what each channel of a layer responds to, as a labelled contact sheet.

    Each tile is a small dream grown (from noise, or --from an image) to excite
    one channel alone. Pick the channels you like for `dream --channels`.
    """
    if (layer is None) == (filters_layer is None):
        raise click.UsageError("give either --layer LAYER or --filters conv1_1")
    check_inputs_exist([start])
    # Imported once the arguments are known to be good: they import torch.
    from ..backbone import load_backbone
    from ..deepdream import atlas as atlas_sheet
    from ..deepdream import filters as filter_sheet
    from ..deepdream.channel_atlas import atlas_config, atlas_steps
    from ..deepdream.objectives import check_channels
    from ..imaging import check_output_path, picture_from_pil, read_image, write_image
    from ..progress import ProgressBar

    name = layer or filters_layer
    output = output or Path(f"atlas_{name}.png")
    check_output_path(output, [start] if start else [], overwrite=force)
    if filters_layer:
        sheet = filter_sheet(filters_layer, backbone=load_backbone(device=device, precision="fp32"))
        metadata = {"command": "atlas", "filters": filters_layer}
    else:
        net = load_backbone(device=device, precision=precision)
        start_picture = read_image(start) if start else None
        settings = {} if iterations is None else {"iterations": iterations}
        chosen = parse_channels(f"{layer}={channels}")[0][1]
        check_channels(net, ((layer, chosen),))
        total = atlas_steps(net, atlas_config(layer, **settings), len(chosen), size)
        bar = ProgressBar(quiet, total, f"atlas {layer}", done_of=_atlas_steps())
        chosen_seed = seed if seed is not None else 0
        try:
            sheet = atlas_sheet(layer, chosen, size=size, seed=chosen_seed, start=start_picture, backbone=net,
                                callback=bar, **settings)
        finally:
            bar.close()
        metadata = {"command": "atlas", "layer": layer, "channels": channels, "size": size, "seed": chosen_seed,
                    "from": start.name if start else None, "weights": net.weights, **settings}
    write_image(picture_from_pil(sheet), output, metadata=metadata, overwrite=force)
    if not quiet:
        click.echo(f"wrote {output}", err=True)


def _atlas_steps():
    """Atlas steps come in batches of channels, each a full dream: count them one by one."""
    steps = 0

    def done_of(progress: EngineProgress) -> int:
        nonlocal steps
        steps += 1
        return steps

    return done_of
