"""What every benchmark needs: a description of the machine, and one `dreamstyle` process timed and weighed."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from dreamstyle.runtime import cpu_has_fast_bf16

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"


def machine() -> str:
    """One line: CPU model, cores, RAM, bf16 support, torch version (and the GPU, if any)."""
    model = platform.processor() or platform.machine()
    memory = ""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as cpuinfo:
            model = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), model)
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            memory = f", {int(meminfo.readline().split()[1]) / 2**20:.0f} GiB RAM"
    except OSError:
        pass
    amx = bool(getattr(torch.cpu, "_is_amx_tile_supported", lambda: False)())
    bf16 = "AMX" if amx else ("AVX512-BF16, no AMX" if cpu_has_fast_bf16() else "no native bf16")
    gpu = f", GPU {torch.cuda.get_device_name()}" if torch.cuda.is_available() else ", no GPU"
    return (f"{model}, {os.cpu_count()} cores{memory}, bf16: {bf16}{gpu}; torch {torch.__version__}, "
            f"{torch.get_num_threads()} threads")


@dataclass(frozen=True)
class Process:
    """A finished `dreamstyle` process: wall time, peak resident memory, and what it printed on stderr."""

    seconds: float
    peak_gib: float
    log: str


def run_dreamstyle(*arguments: str) -> Process:
    """Run ``dreamstyle ARGUMENTS`` as a user would (model loading included); exit on failure."""
    return run_process([sys.executable, "-m", "dreamstyle", *arguments])


def run_process(command: list[str]) -> Process:
    """Run ``command``, keeping its stderr; its own peak RSS comes from wait4. Exit on failure."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    log = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{log[-2000:]}")
    return Process(seconds, usage.ru_maxrss / 2**20, log)
