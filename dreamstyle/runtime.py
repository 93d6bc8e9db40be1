"""Device policy, shared by every engine: where tensors live, the convolutions' dtype, free memory.

One place decides these, so the DeepDream and style-transfer engines behave
the same way on the same machine. Mixed precision is autocast only: the image
being optimised, losses, Gram matrices and optimiser state stay float32
(callers get float32 features back from the backbone), so a faster precision
never changes what is computed, only how exactly the convolutions are rounded. fp16 (CUDA, MPS) also needs
loss scaling, which the backbone applies inside itself (see
:class:`dreamstyle.backbone.features.LossScale`); bf16 has fp32's
exponent range and needs none.
"""

from __future__ import annotations

import contextlib
import math
import os
import platform
from collections.abc import Iterator
from dataclasses import dataclass

import torch

from .devices import DEVICE_CHOICES, PRECISION_CHOICES
from .errors import Assignment, DeviceUnavailableError, InvalidArgumentError

_AUTOCAST_DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}


def _mps_available() -> bool:
    mps = getattr(torch.backends, "mps", None)
    return bool(mps is not None and mps.is_available())


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """Turn ``"auto"``, ``"cpu"``, ``"cuda"``, ``"cuda:1"`` or ``"mps"`` into a usable device.

    ``"auto"`` picks CUDA, then Apple's MPS, then the CPU. Asking for a device
    this machine does not have raises :class:`DeviceUnavailableError`.
    """
    if isinstance(device, torch.device):
        name = str(device)
    else:
        name = str(device).strip().lower()
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        resolved = torch.device(name)
    except RuntimeError:
        raise InvalidArgumentError(
            f"unknown device {device!r}: use one of {', '.join(DEVICE_CHOICES)} (or cuda:N)"
        ) from None
    if resolved.type == "cuda":
        if not torch.cuda.is_available():
            raise DeviceUnavailableError(
                f"device {name!r} was requested but this machine has no usable CUDA GPU; use ",
                Assignment("device", "cpu"), " or ", Assignment("device", "auto")
            )
        if resolved.index is not None and resolved.index >= torch.cuda.device_count():
            raise DeviceUnavailableError(
                f"device {name!r} does not exist: this machine has {torch.cuda.device_count()} CUDA device(s)"
            )
    elif resolved.type == "mps":
        if not _mps_available():
            raise DeviceUnavailableError(
                f"device {name!r} was requested but Apple MPS is not available here; use ", Assignment("device", "cpu"),
                " or ", Assignment("device", "auto")
            )
    elif resolved.type != "cpu":
        raise InvalidArgumentError(
            f"unsupported device {device!r}: use one of {', '.join(DEVICE_CHOICES)} (or cuda:N)"
        )
    return resolved


def synchronize(device: torch.device) -> None:
    """Wait until ``device`` has finished its queued work, so a clock read after it measures that work."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


def cpu_model() -> str:
    """The CPU's model name as the system reports it ("AMD EPYC 7B13"), or its architecture when it does not say."""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def describe_device(device: torch.device) -> str:
    """Where a run computes, in words: "CPU (AMD EPYC, 2 threads)", "NVIDIA H200", "Apple GPU (MPS)"."""
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    if device.type == "mps":
        return "Apple GPU (MPS)"
    return f"CPU ({cpu_model()}, {torch.get_num_threads()} threads)"


def cpu_has_fast_bf16() -> bool:
    """True when this CPU computes bf16 natively (AMX tiles or AVX512-BF16).

    Other CPUs emulate bf16 and run it slower than fp32, so "auto" must not pick it.
    """
    cpu = getattr(torch, "cpu", None)
    probes = ("_is_amx_tile_supported", "_is_avx512_bf16_supported")
    return any(bool(getattr(cpu, probe, lambda: False)()) for probe in probes)


def resolve_precision(precision: str, device: torch.device) -> str:
    """Resolve ``"auto" | "fp32" | "bf16" | "fp16"`` for ``device`` into a concrete precision.

    ``"auto"`` is bf16 autocast where the hardware runs it fast (CUDA with bf16
    support, a CPU with AMX or AVX512-BF16) and fp32 everywhere else.
    """
    name = str(precision).strip().lower()
    if name not in PRECISION_CHOICES:
        raise InvalidArgumentError(
            f"unknown precision {precision!r}: use one of {', '.join(PRECISION_CHOICES)}"
        )
    if name == "auto":
        if device.type == "cuda":
            return "bf16" if torch.cuda.is_bf16_supported() else "fp32"
        if device.type == "cpu":
            return "bf16" if cpu_has_fast_bf16() else "fp32"
        return "fp32"
    if name == "fp16" and device.type == "cpu":
        raise DeviceUnavailableError(
            "precision fp16 needs a CUDA or MPS device; on the CPU use bf16 or fp32"
        )
    if name == "bf16" and device.type == "cuda" and not torch.cuda.is_bf16_supported():
        raise DeviceUnavailableError(
            "this CUDA GPU does not support bf16; use ", Assignment("precision", "fp16"), " or ",
            Assignment("precision", "fp32")
        )
    return name


@dataclass(frozen=True)
class Runtime:
    """Where and in which precision the network runs.

    Attributes:
        device: the resolved torch device.
        precision: ``"fp32"``, ``"bf16"`` or ``"fp16"`` (never ``"auto"``).
    """

    device: torch.device
    precision: str

    @classmethod
    def resolve(cls, device: str | torch.device = "auto", precision: str = "auto") -> "Runtime":
        resolved = resolve_device(device)
        return cls(resolved, resolve_precision(precision, resolved))


# Set (to "1") where a seed must repeat its picture bit for bit across
# processes on CUDA too; see use_deterministic_algorithms. An environment
# variable, like cuDNN's own switches process-wide, and inherited by the
# processes a run starts.
DETERMINISTIC_ENV = "DREAMSTYLE_DETERMINISTIC"


def tune_backend(device: torch.device) -> None:
    """Backend settings that make the network fast and repeatable on ``device``.

    On CUDA, cuDNN's autotuner times the convolution algorithms for each new
    input shape and keeps the fastest: a run repeats each shape (a scale, an
    octave, a tile) tens to hundreds of times, so the search pays for itself.
    It chooses among deterministic algorithms only: some of the others sum
    with atomics in a varying order, and a seed would not repeat its picture
    even in one process. Another process may still time the algorithms
    differently and choose another, which rounds differently; with
    :data:`DETERMINISTIC_ENV` set the autotuner is off and pictures repeat
    across processes too. TF32 stays off, so fp32 is fp32 (bf16 and fp16 are
    the fast precisions). The CPU always repeats bit for bit.
    """
    if device.type == "cuda":
        torch.backends.cudnn.deterministic = True
        torch.backends.cudnn.allow_tf32 = False
        torch.backends.cudnn.benchmark = os.environ.get(DETERMINISTIC_ENV, "") != "1"


@contextlib.contextmanager
def shapes_change_every_call(device: torch.device) -> Iterator[None]:
    """A context for work whose tensor shapes differ at every call: cuDNN's autotuner stays off inside.

    The autotuner times every algorithm for each shape it has not seen; that
    pays back over the repeats of one shape, and never for the tiles of a
    dream, whose grid moves every step (so the border tiles change shape).
    """
    if device.type != "cuda":
        yield
        return
    before = torch.backends.cudnn.benchmark
    torch.backends.cudnn.benchmark = False
    try:
        yield
    finally:
        torch.backends.cudnn.benchmark = before


def use_deterministic_algorithms(enabled: bool = True) -> None:
    """Make CUDA runs repeat bit for bit across processes (``enabled``), or let cuDNN autotune again.

    Process-wide, as cuDNN's own switches are, and inherited by child
    processes (see :data:`DETERMINISTIC_ENV`). cuDNN then runs the algorithms
    its heuristics pick instead of timing alternatives (benchmarks/RESULTS.md
    has the cost).
    """
    if enabled:
        os.environ[DETERMINISTIC_ENV] = "1"
    else:
        os.environ.pop(DETERMINISTIC_ENV, None)
    if torch.cuda.is_available():
        tune_backend(torch.device("cuda"))


def autocast_dtype(precision: str) -> torch.dtype | None:
    """The dtype convolutions run in at ``precision`` (``"bf16"``, ``"fp16"``), or None for fp32."""
    return _AUTOCAST_DTYPES.get(precision)


def compute_dtype(precision: str) -> torch.dtype:
    """The dtype activations are computed in at ``precision``: the autocast dtype, else float32."""
    return autocast_dtype(precision) or torch.float32


def autocast(device: torch.device, precision: str) -> contextlib.AbstractContextManager:
    """Autocast context for ``device`` at ``precision`` (a no-op for fp32)."""
    dtype = autocast_dtype(precision)
    if dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, dtype=dtype)


def available_memory(device: torch.device) -> int:
    """Bytes that a computation on ``device`` can still allocate, roughly.

    Free VRAM on CUDA, the recommended working set less what is allocated on
    MPS, and MemAvailable (free plus reclaimable cache) on the CPU.
    """
    if device.type == "cuda":
        # PyTorch's caching allocator keeps freed blocks reserved, and the
        # driver counts them as used: add them back, or every scale after
        # the first would see less memory than it can really have.
        free, _total = torch.cuda.mem_get_info(device)
        cached = torch.cuda.memory_reserved(device) - torch.cuda.memory_allocated(device)
        return int(free + cached)
    if device.type == "mps":
        return int(torch.mps.recommended_max_memory() - torch.mps.driver_allocated_memory())
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))


def memory_ceiling(device: torch.device, cpu_ceiling: float) -> float:
    """The most memory one piece of work may take on ``device``, beside the share of free memory it gets.

    ``cpu_ceiling`` on the CPU, where larger pieces gain little and the RAM is
    shared with everything else; none on a GPU, whose memory is its own and
    whose thousands of cores want the largest pieces of work.
    """
    return math.inf if device.type == "cuda" else cpu_ceiling
