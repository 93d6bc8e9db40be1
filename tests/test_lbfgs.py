"""Style transfer's L-BFGS: every iteration spent, no evaluation repeated, pixels kept in range, a stuck scale ended."""

from __future__ import annotations

import pytest
import torch

from dreamstyle.styletransfer import TransferConfig, engine, optimisers, transfer_tensor
from dreamstyle.styletransfer.engine import compute_targets, evaluate, losses

from .helpers import loss_trace


def test_lbfgs_history_shrinks_on_huge_images(monkeypatch):
    monkeypatch.setattr(optimisers, "available_memory", lambda device: 20 * 2**30)
    cpu = torch.device("cpu")
    assert optimisers.lbfgs_history(512 * 512, cpu) == optimisers.LBFGS_HISTORY
    assert optimisers.lbfgs_history(2048 * 2048, cpu) == 21  # 2 GiB of 100 MB entries
    assert optimisers.lbfgs_history(4096 * 4096, cpu) == optimisers.MIN_LBFGS_HISTORY
    monkeypatch.setattr(optimisers, "available_memory", lambda device: 2**30)
    assert optimisers.lbfgs_history(1024 * 1024, cpu) == 10  # a quarter of 1 GiB in 25 MB entries


def test_every_scale_gets_all_its_lbfgs_iterations(vgg19, content, mosaic, monkeypatch):
    made = []  # L-BFGS's own count after each call
    step = torch.optim.LBFGS.step

    def counted(self, closure):
        loss = step(self, closure)
        made.append(self.state[self._params[0]]["n_iter"])
        return loss

    monkeypatch.setattr(torch.optim.LBFGS, "step", counted)
    # A chunk may stop before LBFGS_CHUNK iterations when its line searches use
    # up the evaluation budget; the scale then runs more chunks.
    monkeypatch.setattr(optimisers, "LBFGS_CHUNK", 4)
    reported = []
    config = TransferConfig(init="noise", scales=2, start_size=32, iterations=12, coarse_iterations_factor=1.0,
                            final_iterations_factor=1.0)
    transfer_tensor(vgg19, content, [mosaic], config, seed=0,
                    callback=lambda p: reported.append((p.scale, p.iteration)))
    assert [i for scale, i in reported if scale == 0][-1] == 12
    assert [i for scale, i in reported if scale == 1][-1] == 12
    assert [i for _, i in reported] == made  # what progress shows is what L-BFGS did
    assert len(made) > 2 * 12 // 4  # some chunks did stop early, and more were run


def test_lbfgs_never_evaluates_the_same_image_twice(vgg19, content, mosaic, monkeypatch):
    # Each L-BFGS call starts by evaluating where the last one ended; that evaluation is reused.
    points = []

    def recorded(net, x, targets, config):
        points.append(x.detach().clone())
        return evaluate(net, x, targets, config)

    monkeypatch.setattr(engine, "evaluate", recorded)
    config = TransferConfig(init="noise", scales=1, iterations=3 * optimisers.LBFGS_CHUNK)
    reported = []
    transfer_tensor(vgg19, content, [mosaic], config, seed=0, callback=lambda p: reported.append(p.iteration))
    assert reported[-1] == config.iterations and len(reported) >= 3  # several calls, each starting where the last ended
    repeats = sum(torch.equal(a, b) for i, a in enumerate(points) for b in points[:i])
    assert repeats == 0


def test_reported_losses_are_those_of_the_image_kept(vgg19, content, mosaic):
    # 30 iterations end on a one-iteration chunk whose line-search trial L-BFGS rejects: the
    # last evaluation is that trial's (content 0.67), and progress must show the output's (0.48).
    config = TransferConfig(init="noise", scales=1, iterations=30)
    out, trace = loss_trace(vgg19, content, [mosaic], config)
    targets = compute_targets(vgg19, content, [mosaic], config, (1.0,), tuple(content.shape[-2:]))
    with torch.no_grad():
        kept = [part.item() for part in losses(vgg19, out, targets, config)[:2]]
    assert trace[-1] == pytest.approx(kept, rel=0.05)  # up to the final clamp into [0, 1]


@pytest.mark.parametrize("bounds", ["soft", "clamp"])
def test_lbfgs_output_stays_in_range(vgg19, content, mosaic, bounds):
    config = TransferConfig(init="noise", scales=1, iterations=20, style_weight=50.0, bounds=bounds)
    out, trace = loss_trace(vgg19, content, [mosaic], config)
    assert 0 <= out.min() and out.max() <= 1 and trace[-1][1] < trace[0][1]


def test_stuck_lbfgs_restarts_once_then_ends_the_scale():
    # An objective no line search can go down on: L-BFGS fails the same way every
    # chunk. It must stop after one restart instead of spending the scale's evaluations.
    x = torch.full((1, 3, 8, 8), 0.5)
    evaluations = []
    reported = []

    def flat() -> tuple[optimisers.Losses, torch.Tensor]:
        evaluations.append(1)
        zero = torch.zeros(())
        return optimisers.Losses(torch.ones(()), zero, zero, zero, zero), torch.ones_like(x)

    out = optimisers.optimise(x, flat, TransferConfig(iterations=200), lambda i, parts, made: reported.append((i, made)))
    assert torch.equal(out, torch.full_like(x, 0.5))
    assert len(evaluations) < 3 * (optimisers.LBFGS_CHUNK + 3)  # two chunks, not twenty
    assert len(reported) == 1 and reported[0][0] == 200  # progress ends at the scale's end
    assert 1 <= reported[0][1] <= 2  # and says how many iterations L-BFGS really made


def test_a_call_that_never_went_down_restarts_once_then_ends_the_scale():
    assert optimisers.after_chunk(went_down=True, just_restarted=True) is optimisers.AfterChunk.GO_ON
    assert optimisers.after_chunk(went_down=False, just_restarted=False) is optimisers.AfterChunk.RESTART
    assert optimisers.after_chunk(went_down=False, just_restarted=True) is optimisers.AfterChunk.END_SCALE


def test_an_evaluation_is_reused_only_at_exactly_its_point():
    reused = optimisers.ReusedEvaluation()
    x = torch.rand(1, 3, 4, 4)
    assert reused.at(x) is None
    evaluation = (optimisers.Losses(*torch.zeros(5)), torch.ones(()), torch.zeros_like(x))
    reused.keep(x, evaluation)
    x_then = x.clone()
    x.add_(1.0)  # the optimiser moves x in place: the kept point must not move with it
    assert reused.at(x) is None and reused.at(x_then) is evaluation
