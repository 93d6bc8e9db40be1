"""Style transfer in tiles: the whole image's objective, gradient and picture, with global style statistics."""

from __future__ import annotations

import copy

import pytest
import torch

from dreamstyle import load_backbone
from dreamstyle.backbone.tiling import choose_tile
from dreamstyle.imaging import read_image
from dreamstyle.seeds import make_generator
from dreamstyle.styletransfer import TransferConfig, transfer_tensor
from dreamstyle.styletransfer.engine import compute_targets, evaluate, style_statistic
from dreamstyle.styletransfer.gram import tiled_grams
from dreamstyle.styletransfer.losses import gram_matrix
from dreamstyle.styletransfer.tiles import TileGrid


@pytest.mark.parametrize("style_loss", ["gram", "sliced-wasserstein"])
@pytest.mark.parametrize("precision, tolerance", [("fp32", 1e-4), ("bf16", 1e-2)])
def test_tiled_objective_equals_the_untiled_one(vgg19, data_dir, mosaic, precision, tolerance, style_loss):
    """In bf16 both read bf16 activations; a tile's convolutions round differently from the whole image's."""
    net = vgg19 if precision == "fp32" else load_backbone("vgg19", device=vgg19.device, precision=precision)
    photo = read_image(data_dir / "chelsea.png", size=128).batch().to(vgg19.device)
    noise = torch.randn(photo.shape, generator=make_generator(0))
    x = (photo + 0.1 * noise.to(photo.device)).clamp(0, 1)
    results = {}
    for tile in (0, 32):
        config = TransferConfig(tile=tile, style_loss=style_loss)
        targets = compute_targets(net, photo, [mosaic], config, (1.0,), tuple(photo.shape[-2:]),
                                  statistic=style_statistic(net, config, seed=1))
        assert targets.grid.tile == tile
        results[tile] = evaluate(net, x, targets, config)
    (whole, whole_gradient), (tiled, tiled_gradient) = results[0], results[32]
    assert tiled_gradient.dtype == whole_gradient.dtype == torch.float32
    assert (tiled_gradient - whole_gradient).norm() / whole_gradient.norm() < tolerance
    for part, reference in zip(tiled, whole):
        torch.testing.assert_close(part, reference, rtol=tolerance, atol=1e-7)


def test_tiled_transfer_matches_untiled_and_tiles_automatically(vgg19, data_dir, mosaic, monkeypatch):
    photo = read_image(data_dir / "chelsea.png", size=96).batch().to(vgg19.device)
    untiled = transfer_tensor(vgg19, photo, [mosaic], TransferConfig(scales=1, iterations=10, tile=0), seed=0)
    tiles = []
    monkeypatch.setattr("dreamstyle.backbone.tiling.available_memory", lambda device: 40 * 2**20)
    tiled = transfer_tensor(vgg19, photo, [mosaic], TransferConfig(scales=1, iterations=10), seed=0,
                            callback=lambda p: tiles.append(p.tile))
    assert tiles and all(tile > 0 for tile in tiles)  # 40 MB free: tiled without being asked
    assert (tiled - untiled).abs().mean() < 0.005  # same optimisation: no seams, no other look
    assert (tiled - photo).abs().mean() > 0.02  # and it did stylise


def test_global_gram_accumulated_over_tiles_equals_the_untiled_one(vgg19, data_dir):
    # The network in float64: float32 convolutions round differently on
    # differently shaped crops (oneDNN and cuDNN pick algorithms by shape),
    # which moves small Gram entries by up to 7e-4 of themselves. What is left
    # is the float32 rounding of the Gram sums.
    net = copy.deepcopy(vgg19).double()
    photo = read_image(data_dir / "chelsea.png", size=128).batch().to(net.device, torch.float64)
    layers = ["relu1_1", "relu3_1", "relu5_1"]
    grid = TileGrid.plan(net, layers, tuple(photo.shape[-2:]), 32)
    assert len(grid.windows()) > 4
    tiled = tiled_grams(net, photo, layers, grid)
    with torch.no_grad():
        whole = {name: gram_matrix(feature.double()) for name, feature in net(photo, layers).items()}
    for name in layers:
        torch.testing.assert_close(tiled[name].double(), whole[name], rtol=1e-6, atol=0.0)


@pytest.mark.cpu_only  # the CPU's ceilings; test_cuda.py has the GPU's
def test_transfer_runs_whole_images_a_dream_would_tile(vgg19, monkeypatch):
    monkeypatch.setattr("dreamstyle.backbone.tiling.available_memory", lambda device: 20 * 2**30)
    layers = ["relu4_2", "relu5_1"]
    size = (800, 600)  # 3.1 KiB a pixel in fp32 to relu5_1: 1.4 GiB, over a dream's 1 GiB tiles
    assert choose_tile(vgg19, layers, size, None) > 0
    assert TileGrid.plan(vgg19, layers, size, None).tile == 0
    huge = TileGrid.plan(vgg19, layers, (4096, 4096), None)
    assert 0 < huge.tile == choose_tile(vgg19, layers, (4096, 4096), None)  # tiles stay within 1 GiB
