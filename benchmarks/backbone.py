"""How long the backbone takes to load, and one forward/backward pass at several sizes.

    python benchmarks/backbone.py [--sizes 256 512 1024] [--repeats 3]

Prints a Markdown table. Timings are wall-clock medians on this machine; the
first pass at each size is a warm-up and is not counted.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

import torch

from dreamstyle import load_backbone

LAYERS = ["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu4_2", "relu5_1"]


def seconds(function, repeats: int) -> float:
    function()  # warm-up: allocator, oneDNN kernel selection
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 512, 1024])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    start = time.perf_counter()
    load_backbone("vgg19", device="cpu", precision="fp32")
    first_load = time.perf_counter() - start
    load = seconds(lambda: load_backbone("vgg19", device="cpu", precision="fp32"), args.repeats)

    print(f"machine: {platform.processor() or platform.machine()}, {torch.get_num_threads()} threads, torch {torch.__version__}")
    print(f"load_backbone('vgg19'): first {first_load:.2f} s, then {load:.2f} s (median of {args.repeats})\n")
    print("| size | precision | forward+backward to relu5_1 (s) |")
    print("|---|---|---|")
    for precision in ("fp32", "bf16"):
        net = load_backbone("vgg19", device="cpu", precision=precision)
        for size in args.sizes:
            x = torch.rand(1, 3, size, size, requires_grad=True)

            def step() -> None:
                feats = net(x, LAYERS)
                sum(f.pow(2).mean() for f in feats.values()).backward()

            print(f"| {size} | {precision} | {seconds(step, args.repeats):.3f} |")


if __name__ == "__main__":
    main()
