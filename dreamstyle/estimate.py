"""How long a run will take, said before it starts: one timed pass through the backbone, scaled to the run.

A step of either engine is dominated by one forward and one backward pass of
the image through the backbone, up to the deepest layer its objective reads.
So the probe times that pass once at a small size and scales it by each
step's pixels. On the CPU the cost of a pass grows with the pixels almost in
proportion above ~128 px, so the probe is small and cheap; a GPU runs small
images no faster than mid-sized ones (it waits on kernel launches), so there
the probe runs at the run's own size, up to a cap, and smaller steps are
counted at the probe's cost.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from .backbone.features import VGGFeatures
from .runtime import synchronize

# Side of the square probe image: a CPU's pass scales with pixels from here
# on; an accelerator's is probed at the run's size, at most this.
CPU_PROBE_SIDE = 128
ACCELERATOR_PROBE_SIDE = 1024

# (height, width, steps): so many steps at that size.
Work = Sequence[tuple[int, int, int]]


@dataclass(frozen=True)
class FramesWork:
    """What a clip's or a batch's frames cost, for the start line's estimate.

    Attributes:
        layers: the layers the run's objective reads.
        first: the work of a frame rendered on its own (a clip's first frame, or any photo of a batch).
        later: the work of a clip's frame that starts from the previous one.
    """

    layers: Sequence[str]
    first: Work
    later: Work

    def of_clip(self, frames: int, from_first: bool) -> list[tuple[int, int, int]]:
        """The work of ``frames`` frames of a clip; ``from_first``: the first of them is the clip's first."""
        if frames <= 0:
            return []
        return [*(self.first if from_first else self.later),
                *((height, width, steps * (frames - 1)) for height, width, steps in self.later)]


def pass_seconds(net: VGGFeatures, layers: Sequence[str], side: int) -> float:
    """Seconds of one forward and backward pass of a ``side`` x ``side`` image through ``net`` up to ``layers``.

    The faster of the second and third passes: the first pays for one-off
    set-up (oneDNN primitives, cuDNN's choice of algorithms, the weights'
    first reads from memory), and a fresh process's second can too.
    """
    image = torch.rand(1, 3, side, side, device=net.device, requires_grad=True)
    timings = []
    for _ in range(3):
        synchronize(net.device)
        start = time.perf_counter()
        features = net(image, layers)
        torch.stack([f.square().mean() for f in features.values()]).sum().backward()
        synchronize(net.device)
        timings.append(time.perf_counter() - start)
    return min(timings[1:])


def estimate_seconds(net: VGGFeatures, layers: Sequence[str], work: Work) -> float:
    """Rough seconds ``net`` takes for ``work``, each step costing one backbone pass to ``layers``.

    Args:
        net: the backbone the run uses, on its device and at its precision.
        layers: the layers the run's objective reads (the deepest sets the cost).
        work: (height, width, steps) for each stage of the run (octaves, scales, frames).
    """
    if not work:
        return 0.0
    largest = max(max(height, width) for height, width, _ in work)
    cap = CPU_PROBE_SIDE if net.device.type == "cpu" else ACCELERATOR_PROBE_SIDE
    side = max(min(largest, cap), net.min_input_size(layers))
    seconds = pass_seconds(net, layers, side)
    return sum(steps * seconds * max(1.0, height * width / side**2) for height, width, steps in work)


def about(seconds: float) -> str:
    """``seconds`` as a person says a rough duration: "a few seconds", "about 40 s", "about 3 min", "about 1.5 h"."""
    if seconds < 10:
        return "a few seconds"
    if seconds < 90:
        return f"about {round(seconds, -1):.0f} s"
    if seconds < 90 * 60:
        return f"about {seconds / 60:.2g} min"
    return f"about {seconds / 3600:.2g} h"
