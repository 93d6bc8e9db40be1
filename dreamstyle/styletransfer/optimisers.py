"""The optimisers of a transfer's pixels: L-BFGS in chunks (with its closure, chunk trace and restart rule) and Adam.

Each runs one scale: ``optimise(x, evaluator, config, report)`` moves the
leaf tensor ``x`` toward the minimum of the objective ``evaluator()``
returns, telling ``report`` how far it is.
"""

from __future__ import annotations

import enum
from collections.abc import Callable

import torch

from ..runtime import available_memory, memory_ceiling
from .config import TransferConfig
from .losses import Losses, range_penalty

# L-BFGS runs this many iterations per call (progress is reported between calls).
LBFGS_CHUNK = 10
# Soft bounds (``bounds="soft"``): pixels outside [0, 1] cost this times their
# mean squared excess. A clamp between calls moves the image without L-BFGS
# knowing, so its next curvature pair is wrong and its line searches run out of
# evaluations; the penalty keeps L-BFGS's model true. Below this weight the
# excursions still cost style error; above it they are too small to matter
# (benchmarks/RESULTS.md, "Where the constants come from").
RANGE_PENALTY_WEIGHT = 1e3
LBFGS_HISTORY = 50
# L-BFGS's history may use this share of free memory, and on the CPU at most
# MAX_HISTORY_BYTES (it shrinks on huge images, never below MIN_LBFGS_HISTORY):
# a long history speeds up convergence little once it holds a few dozen steps,
# and on a 4096 px image each entry is 400 MB.
HISTORY_MEMORY_FRACTION = 0.25
MAX_HISTORY_BYTES = 2 * 2**30
MIN_LBFGS_HISTORY = 5
# Adam's output is an exponential moving average of its iterates: the
# averaged image has none of the pixel noise single Adam steps leave behind.
ADAM_AVERAGE_DECAY = 0.9

# What an optimiser calls: the losses at the current image and the gradient of their sum.
Evaluator = Callable[[], tuple[Losses, torch.Tensor]]
# Told (iterations to show as done at this scale, the losses there, iterations really made) as an optimiser goes.
Report = Callable[[int, Losses, int], None]


def lbfgs_history(pixels: int, device: torch.device) -> int:
    """L-BFGS history length: LBFGS_HISTORY, fewer when the image is so large its history would not fit.

    Each entry keeps two image-sized vectors; on a 4096 x 4096 image 50 entries would be 20 GB
    (it gets 5).
    """
    entry_bytes = 2 * 3 * 4 * pixels
    ceiling = memory_ceiling(device, MAX_HISTORY_BYTES)
    fits = int(min(available_memory(device) * HISTORY_MEMORY_FRACTION, ceiling) // entry_bytes)
    return max(MIN_LBFGS_HISTORY, min(LBFGS_HISTORY, fits))


def optimise(x: torch.Tensor, evaluator: Evaluator, config: TransferConfig, report: Report) -> torch.Tensor:
    """Run ``config.iterations`` optimiser iterations on ``x`` (a leaf tensor); the result is in [0, 1].

    ``evaluator()`` returns the losses at ``x`` and the gradient of their sum.
    Pixels are kept in range as ``config.bounds`` says.
    """
    x.requires_grad_(True)
    return (_adam if config.optimizer == "adam" else _lbfgs)(x, evaluator, config, report)


def _adam(x: torch.Tensor, evaluator: Evaluator, config: TransferConfig, report: Report) -> torch.Tensor:
    """:func:`_optimise` with Adam, clamping after every step; returns the average of its iterates."""
    optimiser = torch.optim.Adam([x], lr=config.learning_rate)
    average = x.detach().clone()
    for iteration in range(config.iterations):
        parts, x.grad = evaluator()
        optimiser.step()
        with torch.no_grad():
            x.clamp_(0.0, 1.0)
            average.lerp_(x, 1 - ADAM_AVERAGE_DECAY)
        report(iteration + 1, parts, iteration + 1)
    return average


def _new_lbfgs(x: torch.Tensor) -> torch.optim.LBFGS:
    """An L-BFGS optimiser of ``x`` with an empty history."""
    return torch.optim.LBFGS([x], lr=1.0, max_iter=LBFGS_CHUNK, history_size=lbfgs_history(x[0, 0].numel(), x.device),
                             line_search_fn="strong_wolfe", tolerance_grad=0.0, tolerance_change=0.0)


class ReusedEvaluation:
    """The evaluation-reuse trick: the last point evaluated, kept with its evaluation.

    Every call of L-BFGS starts by evaluating the objective where the last
    call's line search ended, and that is mostly the point it evaluated last;
    handing back the kept evaluation saves computing it again (one evaluation
    in eleven at the default settings).
    """

    def __init__(self) -> None:
        self.point: torch.Tensor | None = None
        self.evaluation: tuple[Losses, torch.Tensor, torch.Tensor] | None = None

    def at(self, x: torch.Tensor) -> tuple[Losses, torch.Tensor, torch.Tensor] | None:
        """The kept evaluation, if it was made at exactly ``x``."""
        return self.evaluation if self.point is not None and torch.equal(x, self.point) else None

    def keep(self, x: torch.Tensor, evaluation: tuple[Losses, torch.Tensor, torch.Tensor]) -> None:
        """Keep ``evaluation``, made at ``x`` (copied into the kept point's storage when there is one)."""
        self.point = x.detach().clone() if self.point is None else self.point.copy_(x.detach())
        self.evaluation = evaluation


class ChunkTrace:
    """What one call of L-BFGS saw: its first objective value, and the lowest with that point's losses.

    The last evaluation of a call can be a line-search trial L-BFGS rejected;
    the point it keeps has the lowest objective it saw (strong Wolfe steps only
    go down), so the lowest evaluation's losses are those of the image kept.
    """

    def __init__(self) -> None:
        self.first: float | None = None
        self.lowest: float | None = None
        self.lowest_losses: Losses | None = None

    def record(self, value: float, parts: Losses) -> None:
        if self.lowest is None or value < self.lowest:
            self.lowest, self.lowest_losses = value, parts
        if self.first is None:
            self.first = value

    @property
    def went_down(self) -> bool:
        """Whether the call got below where it started."""
        return self.lowest < self.first


class AfterChunk(enum.Enum):
    """What L-BFGS does after a call: go on, start again from steepest descent, or end the scale."""

    GO_ON = "go on"
    RESTART = "restart"
    END_SCALE = "end scale"


def after_chunk(went_down: bool, just_restarted: bool) -> AfterChunk:
    """Restart once, then end the scale: the rule for an L-BFGS call that never got below its start.

    Near the optimum a bf16 objective is too rough for the line search: it
    fails, L-BFGS learns nothing from the zero step and would fail the same way
    in every call after. A fresh history (steepest descent) gets out of that; if
    even that cannot go down, the scale is as good as it gets.
    """
    if went_down:
        return AfterChunk.GO_ON
    return AfterChunk.END_SCALE if just_restarted else AfterChunk.RESTART


class LbfgsClosure:
    """The closure L-BFGS calls: the objective at ``x`` (with the range penalty under soft bounds), set as x's gradient.

    It hands back a :class:`ReusedEvaluation` where it can, and records each
    call's values in :attr:`trace` (start a new one per call).
    """

    def __init__(self, x: torch.Tensor, evaluator: Evaluator, soft_bounds: bool) -> None:
        self.x, self.evaluator, self.soft_bounds = x, evaluator, soft_bounds
        self.reused = ReusedEvaluation()
        self.keep_evaluations = False  # off in a scale's last call, which no call follows
        self.trace = ChunkTrace()

    def evaluate(self) -> tuple[Losses, torch.Tensor, torch.Tensor]:
        """The losses, the objective L-BFGS minimises, and its gradient, at ``x``."""
        evaluation = self.reused.at(self.x)
        if evaluation is not None:
            return evaluation
        parts, gradient = self.evaluator()
        total = sum(parts)
        if self.soft_bounds:
            penalty, penalty_gradient = range_penalty(self.x, RANGE_PENALTY_WEIGHT)
            total, gradient = total + penalty, gradient.add_(penalty_gradient)
        if self.keep_evaluations:
            self.reused.keep(self.x, (parts, total, gradient))
        return parts, total, gradient

    def __call__(self) -> torch.Tensor:
        parts, total, gradient = self.evaluate()
        self.x.grad = gradient  # L-BFGS only reads it
        self.trace.record(float(total), parts)  # no extra sync: L-BFGS reads every value on the host
        return total


def _lbfgs(x: torch.Tensor, evaluator: Evaluator, config: TransferConfig, report: Report) -> torch.Tensor:
    """:func:`_optimise` with L-BFGS, LBFGS_CHUNK iterations per call, reporting after each call."""
    optimiser = _new_lbfgs(x)
    closure = LbfgsClosure(x, evaluator, soft_bounds=config.bounds == "soft")
    done = 0
    just_restarted = False
    while done < config.iterations:
        chunk = min(LBFGS_CHUNK, config.iterations - done)
        # torch fixes max_eval (1.25 x max_iter) at construction: a short last
        # chunk would keep the full chunk's budget, and a chunk of one
        # iteration would get a single evaluation for its line search.
        optimiser.param_groups[0].update(max_iter=chunk, max_eval=chunk + max(2, chunk // 4))
        closure.keep_evaluations = done + chunk < config.iterations
        closure.trace = ChunkTrace()
        last_good = x.detach().clone()
        before = optimiser.state[x].get("n_iter", 0)
        optimiser.step(closure)
        # A call whose line searches used up its evaluations stops early:
        # count the iterations L-BFGS really made, so every scale gets all of its.
        done += optimiser.state[x].get("n_iter", 0) - before
        with torch.no_grad():
            if not torch.isfinite(x).all():
                # The line search can overshoot into inf/NaN (with bf16 and a
                # small style scale): keep the last good image and end this scale.
                x.copy_(last_good)
                break
            if not closure.soft_bounds:
                x.clamp_(0.0, 1.0)
        move = after_chunk(closure.trace.went_down, just_restarted)
        if move is AfterChunk.END_SCALE:
            report(config.iterations, closure.trace.lowest_losses, done)  # progress jumps to the scale's end
            break
        if move is AfterChunk.RESTART:
            optimiser, just_restarted = _new_lbfgs(x), True
            continue
        just_restarted = False
        report(done, closure.trace.lowest_losses, done)
    return x.detach().clamp(0.0, 1.0)
