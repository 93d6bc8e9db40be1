"""What every benchmark needs: a description of the machine, and one `dreamstyle` process timed and weighed."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from dreamstyle.runtime import cpu_has_fast_bf16, cpu_model

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"


def machine() -> str:
    """One line: CPU model, cores, RAM, bf16 support, torch version (and the GPU, if any)."""
    model = cpu_model()
    memory = ""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            memory = f", {int(meminfo.readline().split()[1]) / 2**20:.0f} GiB RAM"
    except OSError:
        pass
    amx = bool(getattr(torch.cpu, "_is_amx_tile_supported", lambda: False)())
    bf16 = "AMX" if amx else ("AVX512-BF16, no AMX" if cpu_has_fast_bf16() else "no native bf16")
    gpu = f", GPU {torch.cuda.get_device_name()}" if torch.cuda.is_available() else ", no GPU"
    return (f"{model}, {os.cpu_count()} cores{memory}, bf16: {bf16}{gpu}; torch {torch.__version__}, "
            f"{torch.get_num_threads()} threads")


# Runs a module or script and, at exit, prints its own peak RSS (VmHWM). A
# parent's ru_maxrss for its child is no good here: Linux carries the
# parent's high-water mark across fork and exec into the child's figure.
PEAK_WRAPPER = """
import atexit, os, runpy, sys

def report_peak():
    with open("/proc/self/status") as status:
        kib = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    print(f"peak-kib {kib}", file=sys.stderr, flush=True)

atexit.register(report_peak)
sys.argv = sys.argv[1:]
if sys.argv[0].endswith(".py"):
    sys.path.insert(0, os.path.dirname(os.path.abspath(sys.argv[0])))
    runpy.run_path(sys.argv[0], run_name="__main__")
else:
    runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
"""


@dataclass(frozen=True)
class Process:
    """A finished process: wall time, its own peak resident memory, and what it printed on stderr."""

    seconds: float
    peak_gib: float
    log: str


def run_dreamstyle(*arguments: str) -> Process:
    """Run ``dreamstyle ARGUMENTS`` as a user would (model loading included); exit on failure."""
    return run_python("dreamstyle", *arguments)


def run_python(target: str, *arguments: str) -> Process:
    """Run a module (``dreamstyle``) or a script (``x.py``) in a fresh Python; exit on failure."""
    command = [sys.executable, "-c", PEAK_WRAPPER, target, *arguments]
    start = time.perf_counter()
    result = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"failed: {target} {' '.join(arguments)}\n{result.stderr[-2000:]}")
    lines = result.stderr.splitlines()
    peak = next(int(line.split()[1]) for line in reversed(lines) if line.startswith("peak-kib "))
    log = "\n".join(line for line in lines if not line.startswith("peak-kib "))
    return Process(seconds, peak / 2**20, log)
