"""The sliced Wasserstein style loss: zero for the style's own features, falling in a run, seeded, blending."""

from __future__ import annotations

import pytest
import torch
from PIL import Image

from dreamstyle.backbone.features import positions_by_channels
from dreamstyle.imaging import read_image, read_metadata
from dreamstyle.seeds import make_generator
from dreamstyle.styletransfer import TransferConfig, transfer_tensor
from dreamstyle.styletransfer.sliced import (
    MAX_QUANTILE_POSITIONS,
    Slices,
    blended_quantiles,
    projections,
    quantile_at,
    quantile_function,
    random_directions,
    resampled,
    sliced_wasserstein_loss,
    target_energy,
)

from .helpers import loss_trace, run

LAYERS = (("relu1_1", 1.0), ("relu3_1", 1.0))


def _rows(net, image):
    with torch.no_grad():
        return {name: positions_by_channels(f) for name, f in net(image, [n for n, _ in LAYERS]).items()}


def _targets(rows, directions):
    return {name: quantile_function(projections(rows[name], directions[name])) for name in rows}


def test_the_loss_is_zero_for_the_style_s_own_features_and_positive_for_others(vgg19, mosaic, content):
    directions = random_directions({"relu1_1": 64, "relu3_1": 256}, seed=3)
    style_rows, content_rows = _rows(vgg19, mosaic), _rows(vgg19, content)
    targets = _targets(style_rows, directions)

    def loss(rows):
        slices = Slices.of(directions, targets, {name: r.shape[1] for name, r in rows.items()})
        return float(sliced_wasserstein_loss(rows, targets, slices, LAYERS))

    assert loss(style_rows) == pytest.approx(0.0, abs=1e-7)
    assert loss(content_rows) > 0.05


def test_directions_come_from_the_seed_and_are_orthonormal():
    first, again, other = (random_directions({"relu2_1": 128}, seed) for seed in (5, 5, 6))
    assert torch.equal(first["relu2_1"], again["relu2_1"]) and not torch.equal(first["relu2_1"], other["relu2_1"])
    d = first["relu2_1"].double()
    torch.testing.assert_close(d.T @ d, torch.eye(128, dtype=torch.float64), atol=1e-5, rtol=0)


def test_a_sliced_wasserstein_transfer_lowers_its_loss_and_repeats_bit_for_bit(vgg19, mosaic, content):
    config = TransferConfig(style_loss="sliced-wasserstein", scales=1, iterations=20)
    out, trace = loss_trace(vgg19, content, [mosaic], config)
    assert trace[-1][1] < 0.85 * trace[0][1]  # from the first report on, after a few iterations
    again = transfer_tensor(vgg19, content, [mosaic], config, seed=0)
    assert torch.equal(out, again)
    other_seed = transfer_tensor(vgg19, content, [mosaic], config, seed=1)
    assert not torch.equal(out, other_seed)  # the directions come from the seed


def test_the_two_statistics_make_different_pictures(vgg19, mosaic, content):
    gram = transfer_tensor(vgg19, content, [mosaic], TransferConfig(scales=1, iterations=10), seed=0)
    sliced = transfer_tensor(vgg19, content, [mosaic],
                             TransferConfig(scales=1, iterations=10, style_loss="sliced-wasserstein"), seed=0)
    assert (gram - sliced).abs().mean() > 0.01


def test_blending_averages_the_quantile_functions():
    low = torch.linspace(0, 1, 50).expand(1, 2, 50)
    high = torch.linspace(2, 3, 80).expand(1, 2, 80)
    blended = blended_quantiles([{"a": low}, {"a": high}], [3.0, 1.0])["a"]
    assert blended.shape == (1, 2, 80)
    middle = torch.full((1, 2, 1), 0.5)
    torch.testing.assert_close(quantile_at(blended, middle), 0.75 * quantile_at(low, middle)
                               + 0.25 * quantile_at(high, middle))


def test_a_quantile_function_samples_evenly_beyond_its_limit():
    values = torch.randn(1, 3, 1000, generator=make_generator(0))
    sampled = quantile_function(values, limit=100)
    assert sampled.shape == (1, 3, 100) and bool((sampled.diff(dim=-1) >= 0).all())


def test_a_huge_image_s_target_energy_is_summed_in_pieces_to_the_whole_sum():
    quantiles = torch.linspace(-1, 2, 5000).expand(1, 2, 5000)
    positions = 2 * MAX_QUANTILE_POSITIONS + 12345
    assert target_energy(quantiles, positions) == pytest.approx(float(resampled(quantiles, positions).pow(2).sum()),
                                                                rel=1e-5)


def test_the_command_line_takes_the_statistic_and_stores_it(data_dir, tmp_path):
    output = tmp_path / "sliced.png"
    result = run("transfer", str(data_dir / "chelsea.png"), str(data_dir / "mosaic.jpg"), "--size", "48",
                 "--iterations", "3", "--style-loss", "sliced-wasserstein", "--seed", "2", "-o", str(output), "-q")
    assert result.exit_code == 0, result.output
    assert read_metadata(output)["config"]["style_loss"] == "sliced-wasserstein"
    again = tmp_path / "again.png"
    assert run("transfer", str(data_dir / "chelsea.png"), str(data_dir / "mosaic.jpg"), "--like", str(output),
               "-o", str(again), "-q").exit_code == 0
    assert Image.open(again).tobytes() == Image.open(output).tobytes()
    assert read_image(again).rgb.shape == (3, 32, 48)
