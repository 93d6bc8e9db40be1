"""Photorealistic transfer: the matting Laplacian and the guided filter keep the photo's edges; colours still move."""

from __future__ import annotations

import pytest
import torch

from dreamstyle import transfer
from dreamstyle.imaging import as_picture, read_image
from dreamstyle.imaging.guided_filter import guided_filter
from dreamstyle.seeds import make_generator
from dreamstyle.styletransfer.photo import MattingLaplacian, colour_shift, edge_correlation


@pytest.fixture(scope="module")
def stone(data_dir):
    return read_image(data_dir / "amber.jpg", size=96).batch()


def test_the_matting_laplacian_is_zero_on_affine_recolourings_of_the_content_and_symmetric(stone):
    laplacian = MattingLaplacian(stone)
    recoloured = torch.einsum("ij,njhw->nihw", torch.tensor([[0.5, 0.2, 0.0], [0.1, 0.3, 0.1], [0.0, 0.4, 0.9]]),
                              stone) + 0.1
    noise = torch.rand(stone.shape, generator=make_generator(0))
    other = torch.rand(stone.shape, generator=make_generator(1))
    assert abs(float(laplacian.energy(recoloured))) < 1e-6
    assert float(laplacian.energy(noise)) > 1e-3
    torch.testing.assert_close((noise * laplacian.apply(other)).sum(), (laplacian.apply(noise) * other).sum())


def test_the_guided_filter_removes_noise_but_keeps_the_guide_s_edges(stone):
    noisy = (stone + 0.1 * torch.randn(stone.shape, generator=make_generator(0))).clamp(0, 1)
    filtered = guided_filter(stone, noisy, 4, 1e-2)
    assert (filtered - stone).abs().mean() < 0.5 * (noisy - stone).abs().mean()
    assert edge_correlation(filtered, stone) > max(0.98, edge_correlation(noisy, stone))


def test_the_photo_preset_keeps_the_photo_s_edges_and_takes_the_style_s_colours(vgg19, data_dir):
    """The issue's targets: edge-map correlation at least 0.9, colour statistics at least halfway to the style's."""
    content, style = data_dir / "amber.jpg", data_dir / "rocket.jpg"
    out = as_picture(transfer(content, style, preset="photo", size=96, seed=1, iterations=30, backbone=vgg19)).batch()
    photo = read_image(content, size=96).batch()
    painted = as_picture(transfer(content, style, size=96, seed=1, iterations=30, backbone=vgg19)).batch()
    assert edge_correlation(out, photo) >= 0.9 > edge_correlation(painted, photo)
    assert colour_shift(out, photo, read_image(style).batch()) >= 0.5
