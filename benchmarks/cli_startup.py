"""How soon the command line answers when no picture is made: help, version, the preset list, and mistakes.

    python benchmarks/cli_startup.py [--root OTHER_CHECKOUT] [--repeats 5]

Each command is `python -m dreamstyle ...` in a fresh process, timed from start to exit; the median of the
repeats is shown. --root times another checkout of dreamstyle (an older commit, for a before and after).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from measure import DATA, ROOT, machine

COMMANDS = {
    "--help": ["--help"],
    "--version": ["--version"],
    "dream --help": ["dream", "--help"],
    "presets": ["presets"],
    "layers": ["layers"],
    "dream missing.jpg (no such file)": ["dream", "missing.jpg"],
    "dream PHOTO --octaves x (a bad value)": ["dream", str(DATA / "chelsea.png"), "--octaves", "x"],
    "transfer --sizes 5 (no such option)": ["transfer", "--sizes", "5"],
}


def seconds(root: Path, args: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "dreamstyle", *args], cwd=root, capture_output=True,
                   env={**os.environ, "PYTHONPATH": str(root)})
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT)
    parser.add_argument("--repeats", type=int, default=5)
    options = parser.parse_args()
    print(machine())
    print(f"\n{options.root}\n\n| command | seconds (median of {options.repeats}) |\n|---|---|")
    for name, args in COMMANDS.items():
        print(f"| `dreamstyle {name}` | "
              f"{statistics.median(seconds(options.root, args) for _ in range(options.repeats)):.2f} |")


if __name__ == "__main__":
    main()
