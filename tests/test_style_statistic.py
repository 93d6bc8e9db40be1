"""A style statistic is one class: the engine's targets, loss and tiles ask nothing else of it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pytest
import torch

from dreamstyle.backbone.selection import weight_sum
from dreamstyle.imaging import read_image
from dreamstyle.seeds import make_generator
from dreamstyle.styletransfer import TransferConfig
from dreamstyle.styletransfer.engine import compute_targets, evaluate, style_statistic
from dreamstyle.styletransfer.gram import GramStatistic, GramTarget
from dreamstyle.styletransfer.sliced import SlicedTarget, SlicedWasserstein
from dreamstyle.styletransfer.statistic import StyleStatistic, StyleTarget, TileTerm
from dreamstyle.styletransfer.tiles import centred_activations


class ChannelMeans(StyleStatistic):
    """Each channel's mean activation: the simplest statistic, written as a third one would be."""

    def of_image(self, net, image, layers, grid, maps=None):
        sums, positions = dict.fromkeys(layers, 0.0), dict.fromkeys(layers, 0)
        for _, tile in centred_activations(net, image, layers, grid):
            for name, rows in tile.items():
                sums[name] = sums[name] + rows.float().sum(dim=1)
                positions[name] += rows.shape[1]
        return {name: sums[name] / positions[name] for name in layers}

    def target(self, per_style, blend, regions, net, size, tiled):
        total = float(sum(blend))
        return MeansTarget({name: sum(w / total * means[name] for w, means in zip(blend, per_style))
                            for name in per_style[0]}, regions)


@dataclass(frozen=True)
class MeansTarget(StyleTarget):
    target: Mapping[str, torch.Tensor]
    regions: None

    def loss_of_means(self, means: Mapping[str, torch.Tensor], layers) -> torch.Tensor:
        return sum(weight * (means[name] - self.target[name]).pow(2).sum() / self.target[name].pow(2).sum()
                   for name, weight in layers) / weight_sum(layers)

    def loss(self, rows, layers):
        return self.loss_of_means({name: rows[name].float().mean(dim=1) for name, _ in layers}, layers)

    def tile_term(self, net, image, grid, config):
        names = config.style_layer_names
        means = ChannelMeans().of_image(net, image, names, grid)
        total = weight_sum(config.style_layers)
        # dL/dF(p) = 2 w (m - T) / (||T||^2 P): a tile's term is its positions' activations times that, summed.
        slopes = {name: 2 * weight / total * (means[name] - self.target[name])
                  / (self.target[name].pow(2).sum() * (grid.size[0] // net.spec(name).stride)
                     * (grid.size[1] // net.spec(name).stride))
                  for name, weight in config.style_layers}
        return MeansTile(slopes, config.style_weight, self.loss_of_means(means, config.style_layers))


class MeansTile(TileTerm):
    def __init__(self, slopes, style_weight, whole):
        self.slopes, self.style_weight, self.whole = slopes, style_weight, whole

    def __call__(self, name, rows, window):
        return self.style_weight * (rows.float().sum(dim=1) * self.slopes[name]).sum(dim=1)

    def value(self):
        return self.whole


def test_a_third_statistic_written_as_one_class_gives_the_same_gradient_tiled_and_whole(vgg19, data_dir, mosaic):
    photo = read_image(data_dir / "chelsea.png", size=128).batch().to(vgg19.device)
    x = (photo + 0.1 * torch.randn(photo.shape, generator=make_generator(0)).to(photo.device)).clamp(0, 1)
    results = {}
    for tile in (0, 32):
        config = TransferConfig(tile=tile, style_layers="relu1_1,relu2_1,relu3_1", content_layers="relu2_2")
        targets = compute_targets(vgg19, photo, [mosaic], config, (1.0,), tuple(photo.shape[-2:]),
                                  statistic=ChannelMeans())
        assert targets.grid.tile == tile and isinstance(targets.style, MeansTarget)
        results[tile] = evaluate(vgg19, x, targets, config)
    (whole, whole_gradient), (tiled, tiled_gradient) = results[0], results[32]
    assert float(whole.style) > 0
    assert (tiled_gradient - whole_gradient).norm() / whole_gradient.norm() < 1e-4
    torch.testing.assert_close(tiled.style, whole.style, rtol=1e-4, atol=1e-7)


@pytest.mark.parametrize("style_loss, statistic, target", [("gram", GramStatistic, GramTarget),
                                                           ("sliced-wasserstein", SlicedWasserstein, SlicedTarget)])
def test_the_config_names_the_statistic_and_its_target_holds_one_tensor_per_style_layer(vgg19, photo, mosaic,
                                                                                         style_loss, statistic, target):
    config = TransferConfig(style_loss=style_loss)
    chosen = style_statistic(vgg19, config, seed=1)
    assert isinstance(chosen, statistic)
    targets = compute_targets(vgg19, photo, [mosaic], config, (1.0,), tuple(photo.shape[-2:]), statistic=chosen)
    assert isinstance(targets.style, target) and list(targets.style.target) == list(config.style_layer_names)
    assert targets.style.regions is None  # no masks: one region, the whole image


def test_sliced_directions_come_from_the_seed(vgg19):
    config = TransferConfig(style_loss="sliced-wasserstein")
    first, again, other = (style_statistic(vgg19, config, seed) for seed in (1, 1, 2))
    for name in config.style_layer_names:
        assert torch.equal(first.directions[name], again.directions[name])
        assert not torch.equal(first.directions[name], other.directions[name])
