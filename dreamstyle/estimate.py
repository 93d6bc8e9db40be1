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

# (height, width, steps): so many steps at that size, one entry per stage (octave, scale).
Stages = tuple[tuple[int, int, int], ...]


@dataclass(frozen=True)
class Cost:
    """What a picture costs, in backbone passes: what a prepared run answers for the estimate and the time left.

    Attributes:
        layers: the layers its objective reads (the deepest sets what a step costs).
        stages: (height, width, steps) of each stage, in the order they run.
    """

    layers: tuple[str, ...]
    stages: Stages

    @property
    def steps(self) -> int:
        """Steps over all the stages: what the run's progress counts to."""
        return sum(steps for _, _, steps in self.stages)

    def times(self, count: int) -> "Cost":
        """``count`` pictures of this cost, one after the other."""
        return Cost(self.layers, tuple((height, width, steps * count) for height, width, steps in self.stages))

    def then(self, other: "Cost") -> "Cost":
        """This picture, then ``other`` (read to the layers of both)."""
        return Cost(tuple(dict.fromkeys(self.layers + other.layers)), self.stages + other.stages)

    def share_done(self, done: int) -> float:
        """The share of the cost behind a run after ``done`` steps, a step costing its stage's pixels."""
        total = sum(height * width * steps for height, width, steps in self.stages)
        behind, left = 0, done
        for height, width, steps in self.stages:
            behind += height * width * min(steps, left)
            left -= min(steps, left)
        return behind / total if total else 0.0


NOTHING = Cost((), ())


def clip_cost(first: Cost, later: Cost, frames: int, from_first: bool) -> Cost:
    """What ``frames`` frames of a clip cost: the clip's first on its own (``from_first``), the others each from
    the frame before (``later``)."""
    if frames <= 0:
        return NOTHING
    return (first if from_first else later).then(later.times(frames - 1))


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


def estimate_seconds(net: VGGFeatures, cost: Cost) -> float:
    """Rough seconds ``net`` takes for ``cost``, each step costing one backbone pass to its layers.

    Args:
        net: the backbone the run uses, on its device and at its precision.
        cost: the layers the run reads and (height, width, steps) of each stage (octaves, scales, frames).
    """
    if not cost.stages:
        return 0.0
    largest = max(max(height, width) for height, width, _ in cost.stages)
    cap = CPU_PROBE_SIDE if net.device.type == "cpu" else ACCELERATOR_PROBE_SIDE
    side = max(min(largest, cap), net.min_input_size(cost.layers))
    seconds = pass_seconds(net, cost.layers, side)
    return sum(steps * seconds * max(1.0, height * width / side**2) for height, width, steps in cost.stages)


def about(seconds: float) -> str:
    """``seconds`` as a person says a rough duration: "a few seconds", "about 40 s", "about 3 min", "about 1.5 h"."""
    if seconds < 10:
        return "a few seconds"
    if seconds < 90:
        return f"about {round(seconds, -1):.0f} s"
    if seconds < 90 * 60:
        return f"about {seconds / 60:.2g} min"
    return f"about {seconds / 3600:.2g} h"
