"""Instant style: engine seconds and peak memory by size, and a clip's frames per second and steadiness.

    python benchmarks/instant.py [--sizes 512 1024 2048] [--frames 24]

Each size runs in a fresh process (peak resident memory is the process's):
the networks are loaded first, then the median of three pictures is timed
(engine time, chelsea.png enlarged to the size, in the style of mosaic.jpg).
The clip is a 512 x 384 pan across a shared photo (benchmarks/video.py), made
with the instant preset through ``dreamstyle.video.transfer_frames``, with
``temporal="flow"`` and ``"none"``: frames per second (flow and warping
included) and E_warp of the output (lower is steadier).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from measure import DATA, machine, run_python


def one_size(size: int) -> None:
    import torch

    from dreamstyle.imaging import as_picture
    from dreamstyle.instant import instant_tensor, load_network

    content = as_picture(DATA / "chelsea.png", size).batch()
    style = as_picture(DATA / "mosaic.jpg").batch()
    started = time.perf_counter()
    for name in ("predictor", "arbitrary"):
        load_network(name)
    loading = time.perf_counter() - started
    seconds = []
    for _ in range(3):
        started = time.perf_counter()
        instant_tensor(content, [style], (1.0,))
        seconds.append(time.perf_counter() - started)
    print(f"result {tuple(content.shape[-2:])} {loading:.2f} {statistics.median(seconds):.3f} "
          f"{torch.get_num_threads()}", file=sys.stderr)


def clip(frames: int) -> None:
    from video import pan_frames

    from dreamstyle.video import transfer_frames, warping_error

    inputs = list(pan_frames(frames, 512, 384))
    print("\n| clip, 512 x 384 pan | frames per second | E_warp of the output (input's) |\n|---|---|---|")
    for temporal in ("flow", "none"):
        started = time.perf_counter()
        outputs = list(transfer_frames(inputs, DATA / "mosaic.jpg", preset="instant", temporal=temporal, seed=0))
        seconds = time.perf_counter() - started
        stability = warping_error([_tensor(f) for f in inputs], [_tensor(f) for f in outputs])
        print(f"| instant, --temporal {temporal} | {frames / seconds:.2f} | {stability.output:.4f} "
              f"({stability.input:.4f}) |", flush=True)


def _tensor(image):
    from dreamstyle.imaging import as_picture

    return as_picture(image).batch()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[512, 1024, 2048])
    parser.add_argument("--frames", type=int, default=24)
    parser.add_argument("--one-size", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one_size:
        one_size(args.one_size)
        return
    print(machine())
    print("\n| size (H x W) | loading the networks (s) | engine seconds (median of 3) | peak memory (GiB) |\n"
          "|---|---|---|---|")
    for size in args.sizes:
        process = run_python(__file__, "--one-size", str(size))
        line = next(line for line in process.log.splitlines() if line.startswith("result "))
        shape, loading, seconds, _ = _parse(line)
        print(f"| {shape} | {loading} | {seconds} | {process.peak_gib:.2f} |", flush=True)
    if args.frames:
        clip(args.frames)


def _parse(line: str) -> tuple[str, str, str, str]:
    """``result (H, W) LOADING SECONDS THREADS`` -> its four fields."""
    body = line.removeprefix("result ")
    shape, rest = body.split(")", 1)
    loading, seconds, threads = rest.split()
    height, width = shape.strip("(").split(",")
    return f"{height.strip()} x {width.strip()}", loading, seconds, threads


if __name__ == "__main__":
    main()
