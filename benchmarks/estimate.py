"""How close the start line's estimate comes to the real engine time, for both engines at several sizes.

    python benchmarks/estimate.py [--dream 512 1024] [--transfer 256 512]

Each row: the estimate the command line prints (dreamstyle.estimate, probe
included), then the same run timed, in one process with the backbone loaded
once, on chelsea.png (and mosaic.jpg as the style). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import time

from measure import DATA, machine

from dreamstyle.backbone import load_backbone
from dreamstyle.deepdream import dream_tensor
from dreamstyle.deepdream.config import DreamConfig
from dreamstyle.deepdream.engine import dream_cost
from dreamstyle.estimate import about, estimate_seconds
from dreamstyle.imaging import read_image
from dreamstyle.styletransfer import transfer_tensor
from dreamstyle.styletransfer.config import TransferConfig
from dreamstyle.styletransfer.schedule import transfer_cost


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dream", type=int, nargs="*", default=[512, 1024])
    parser.add_argument("--transfer", type=int, nargs="*", default=[256, 512])
    args = parser.parse_args()
    net = load_backbone()
    photo = read_image(DATA / "chelsea.png")
    style = read_image(DATA / "mosaic.jpg").batch()
    print(f"_{machine()}; `python benchmarks/estimate.py`_\n")
    print("| run | px | estimate (s) | said | engine (s) | estimate / engine |")
    print("|---|---|---|---|---|---|")
    for side in args.dream:
        image = photo.resized_longest_side(side)
        config = DreamConfig()
        estimate = estimate_seconds(net, dream_cost(net, image.height, image.width, config))
        start = time.perf_counter()
        dream_tensor(net, image.batch(), config, seed=1)
        _row("dream, classic", image, estimate, time.perf_counter() - start)
    for side in args.transfer:
        image = photo.resized_longest_side(side)
        config = TransferConfig()
        estimate = estimate_seconds(net, transfer_cost(image.height, image.width, config))
        start = time.perf_counter()
        transfer_tensor(net, image.batch(), [style], config, seed=1)
        _row("transfer, classic", image, estimate, time.perf_counter() - start)


def _row(run: str, image, estimate: float, engine: float) -> None:
    print(f"| {run} | {image.width}x{image.height} | {estimate:.1f} | {about(estimate)} | {engine:.1f} | "
          f"{estimate / engine:.2f} |", flush=True)


if __name__ == "__main__":
    main()
