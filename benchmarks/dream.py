"""Wall time and peak memory of `dreamstyle dream`, run as a user would run it.

    python benchmarks/dream.py [--image PATH] [--sizes 1024] [--big 4096] [--skip-big]

Each run is a separate `dreamstyle dream` process (model loading included);
peak memory is that process's maximum resident set size. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from measure import ROOT, machine, run_dreamstyle
from PIL import Image


def run_dream(image: Path, output: Path, *extra: str) -> tuple[float, float]:
    """(seconds, peak RSS in GiB) of one `dreamstyle dream` process."""
    process = run_dreamstyle("dream", str(image), "-o", str(output), "--force", "-q", "--seed", "0", *extra)
    return process.seconds, process.peak_gib


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--image", type=Path, default=ROOT / "tests" / "data" / "chelsea.png")
    parser.add_argument("--sizes", type=int, nargs="*", default=[1024], help="sides of the timed runs (none to skip)")
    parser.add_argument("--big", type=int, default=4096, help="side of the square tiled-memory run")
    parser.add_argument("--skip-big", action="store_true")
    args = parser.parse_args()

    print(f"machine: {machine()}")
    print("| run | size | precision | seconds | peak RSS (GiB) |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "out.png"
        for size in args.sizes:
            for precision in ("auto", "fp32"):
                seconds, peak = run_dream(args.image, output, "--size", str(size), "--precision", precision)
                width, height = Image.open(output).size
                print(f"| default preset | {width}x{height} | {precision} | {seconds:.1f} | {peak:.2f} |", flush=True)
        if not args.skip_big:
            big = Path(folder) / "big.png"
            Image.open(args.image).convert("RGB").resize((args.big, args.big), Image.LANCZOS).save(big)
            seconds, peak = run_dream(big, output)
            print(f"| default preset, automatic tiles | {args.big}x{args.big} | auto | {seconds:.1f} | {peak:.2f} |")


if __name__ == "__main__":
    main()
