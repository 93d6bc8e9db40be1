"""How a dream step moves pixels: soft bounds keep them off black and white, and the colour space it steps in."""

from __future__ import annotations

import pytest
import torch

from dreamstyle.deepdream import DreamConfig, dream_tensor
from dreamstyle.deepdream.parameterisation import decorrelated, take_step
from dreamstyle.errors import InvalidArgumentError
from dreamstyle.imaging import read_image, read_metadata
from dreamstyle.imaging.picture import to_uint8

from .helpers import resolve, run


def clipped_share(x: torch.Tensor) -> float:
    values = to_uint8(x[0])
    return float(((values == 0) | (values == 255)).mean())


def test_a_soft_step_moves_mid_grey_as_far_as_a_plain_one_and_slows_near_the_limits():
    x = torch.tensor([0.5, 0.9, 0.995, 0.0]).view(1, 1, 1, 4).expand(1, 3, 1, 4).contiguous()
    up = torch.ones_like(x)
    soft = take_step(x.clone(), up, 0.01, "soft")
    plain = take_step(x.clone(), up, 0.01, "clamp")
    assert soft[0, 0, 0, 0] == pytest.approx(0.51, abs=1e-4)
    moved_soft, moved_plain = (soft - x)[0, 0, 0], (plain - x)[0, 0, 0]
    assert moved_soft[1] < 0.5 * moved_plain[1] and moved_soft[2] < 0.1 * moved_plain[2]
    assert soft.max() < 1 and plain.max() == 1


def test_many_big_soft_steps_never_reach_black_or_white():
    x = torch.full((1, 3, 4, 4), 0.5)
    for sign in (1.0, -1.0):
        y = x.clone()
        for _ in range(50):
            y = take_step(y, torch.full_like(y, sign), 0.05, "soft")
        assert 0 < float(y.min()) and float(y.max()) < 1


def test_a_soft_bounded_dream_burns_far_fewer_values_to_black_or_white_and_still_dreams(vgg19, data_dir):
    photo = read_image(data_dir / "chelsea.png", size=96).batch().to(vgg19.device)
    strong = DreamConfig(octaves=2, iterations=6, step=0.03, bounds="clamp")
    clamped = dream_tensor(vgg19, photo, strong, seed=1)
    soft = dream_tensor(vgg19, photo, DreamConfig(octaves=2, iterations=6, step=0.03, bounds="soft"), seed=1)
    assert clipped_share(soft) < 0.5 * clipped_share(clamped), (clipped_share(soft), clipped_share(clamped))
    assert float((soft - photo).abs().mean()) > 0.5 * float((clamped - photo).abs().mean())


def test_a_decorrelated_step_keeps_lightness_and_quietens_a_pure_hue_change():
    lightness = torch.ones(1, 3, 2, 2)
    hue = torch.tensor([1.0, 0.0, -1.0]).view(1, 3, 1, 1).expand(1, 3, 2, 2)
    light_step, hue_step = decorrelated(lightness), decorrelated(hue)
    spread = light_step.std(dim=1) / light_step.mean(dim=1)
    assert float(spread.max()) < 0.1  # still (nearly) grey
    assert float(hue_step.norm()) < 0.5 * float(light_step.norm())
    with pytest.raises(ValueError, match="gradient must be"):
        decorrelated(torch.ones(1, 4, 2, 2))


def test_a_run_made_before_the_bounds_existed_repeats_with_its_clamp_and_rgb_step():
    old = {"command": "dream", "config": {"layers": "relu4_2:1", "octaves": 4, "iterations": 6, "step": 0.008}}
    config = resolve("dream", like=old).config
    assert (config.bounds, config.colour) == ("clamp", "rgb")
    assert resolve("dream").config.bounds == "soft"


@pytest.mark.parametrize("setting, value", [("bounds", "hard"), ("colour", "lab")])
def test_an_unknown_bounds_or_colour_is_refused_naming_it(setting, value):
    with pytest.raises(InvalidArgumentError, match=f"^{setting} must be one of") as caught:
        DreamConfig(**{setting: value})
    assert caught.value.setting == setting



def test_the_command_line_takes_bounds_and_colour_and_records_them_for_like(tmp_path, data_dir):
    output = tmp_path / "dream.png"
    result = run("dream", str(data_dir / "chelsea.png"), "--size", "48", "--octaves", "1", "--iterations", "1",
                 "--bounds", "clamp", "--colour", "decorrelated", "-o", str(output), "-q")
    assert result.exit_code == 0, result.output
    config = read_metadata(output)["config"]
    assert (config["bounds"], config["colour"]) == ("clamp", "decorrelated")
