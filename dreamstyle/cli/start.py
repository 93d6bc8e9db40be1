"""The line a single-image command starts with: what, where it runs, roughly how long; on a CPU, what a GPU would do."""

from __future__ import annotations

from pathlib import Path

import click
import torch

from ..backbone.features import VGGFeatures
from ..estimate import Cost, about, estimate_seconds
from ..imaging import Picture
from ..runs import Run
from ..runtime import describe_device

# Below this estimate the hint about GPUs is noise.
GPU_HINT_AFTER_SECONDS = 10.0
# From benchmarks/RESULTS.md, "GPU: NVIDIA H200": the CLI's default transfer at 512 px, start-up included.
GPU_EXAMPLE = "an H200 makes the default 512 px transfer in 12 s, start-up included"


def gpu_hint() -> str:
    """One line on what a GPU would change, for a run on the CPU."""
    if torch.cuda.is_available():
        return f"note: this machine has a CUDA GPU ({torch.cuda.get_device_name()}); --device cuda would use it"
    return ("note: no GPU found; with an NVIDIA GPU and a CUDA build of torch, runs take seconds "
            f"({GPU_EXAMPLE})")


def announce(command: str, source: Path, output: Path, run: Run, picture: Picture, net: VGGFeatures, cost: Cost,
             quiet: bool) -> None:
    """Say on stderr what runs, where, and about how long ``cost`` takes there (unless ``quiet``).

    The estimate times one pass through ``net`` (see :mod:`dreamstyle.estimate`), so it is skipped when quiet.
    """
    if quiet:
        return
    seconds = estimate_seconds(net, cost)
    click.echo(f"{command}: {source} -> {output}  preset {run.preset}  seed {run.seed}  "
               f"{picture.width}x{picture.height}  on {describe_device(net.device)} {net.precision}: "
               f"{about(seconds)}", err=True)
    if net.device.type == "cpu" and seconds >= GPU_HINT_AFTER_SECONDS:
        click.echo(gpu_hint(), err=True)
