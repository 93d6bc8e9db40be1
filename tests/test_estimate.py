"""The start line: where a run computes, roughly how long it will take there, and on a CPU what a GPU would change."""

from __future__ import annotations

import re

import pytest
import torch

from dreamstyle import estimate
from dreamstyle.cli import start
from dreamstyle.estimate import Cost, about, estimate_seconds, pass_seconds
from dreamstyle.runtime import describe_device

from .helpers import run


def test_a_pass_through_the_backbone_is_timed(vgg19):
    assert 0 < pass_seconds(vgg19, ["relu2_1"], 32) < 60


@pytest.mark.skipif(torch.cuda.is_available(), reason="the CPU's scaling rule")
def test_the_estimate_scales_the_probe_by_pixels_and_steps(vgg19, monkeypatch):
    probed = []
    monkeypatch.setattr(estimate, "pass_seconds", lambda net, layers, side: probed.append(side) or 0.5)
    side = estimate.CPU_PROBE_SIDE
    work = ((side, side, 10), (2 * side, 2 * side, 3), (side // 2, side // 2, 4))
    # 10 steps at the probe's size, 3 at four times its pixels, 4 smaller ones counted as the probe.
    assert estimate_seconds(vgg19, Cost(("relu4_2",), work)) == pytest.approx(0.5 * (10 + 3 * 4 + 4))
    assert probed == [side]
    assert estimate_seconds(vgg19, Cost(("relu4_2",), ())) == 0.0


@pytest.mark.parametrize("seconds, said", [
    (3, "a few seconds"), (44, "about 40 s"), (89, "about 90 s"), (100, "about 1.7 min"), (600, "about 10 min"),
    (5400, "about 1.5 h"),
])
def test_durations_are_said_as_a_person_says_them(seconds, said):
    assert about(seconds) == said


def test_the_cpu_is_named_with_its_threads():
    assert re.fullmatch(r"CPU \(.+, \d+ threads\)", describe_device(torch.device("cpu")))


@pytest.mark.parametrize("command", ["dream", "transfer"])
def test_the_start_line_says_where_and_how_long_and_a_long_cpu_run_hints_at_gpus(
        data_dir, tmp_path, monkeypatch, command):
    styles = [str(data_dir / "mosaic.jpg")] if command == "transfer" else []
    args = [command, str(data_dir / "chelsea.png"), *styles, "--size", "40", "--iterations", "1",
            "--precision", "fp32", "--device", "cpu"]
    quick = run(*args, "-o", str(tmp_path / "quick.png"))
    assert quick.exit_code == 0, quick.output
    first = quick.stderr.splitlines()[0]
    assert first.startswith(f"{command}: ") and "40x27  on CPU (" in first and first.endswith("fp32: a few seconds")
    assert "GPU" not in quick.stderr

    monkeypatch.setattr(start, "estimate_seconds", lambda net, cost: 150.0)
    slow = run(*args, "-o", str(tmp_path / "slow.png"))
    lines = slow.stderr.splitlines()
    assert lines[0].endswith("fp32: about 2.5 min")
    hint = "this machine has a CUDA GPU" if torch.cuda.is_available() else "no GPU found"
    assert lines[1].startswith(f"note: {hint}")

    quiet = run(*args, "-o", str(tmp_path / "quiet.png"), "-q")
    assert quiet.exit_code == 0 and quiet.stderr == ""
