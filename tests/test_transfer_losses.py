"""Style transfer's losses and colour handling: Gram matrices, the range penalty, normalisation, colour matching."""

from __future__ import annotations

import pytest
import torch

from dreamstyle.backbone.features import positions_by_channels
from dreamstyle.errors import InvalidArgumentError
from dreamstyle.imaging import read_image
from dreamstyle.imaging.colour import match_colors, rgb_to_ycbcr
from dreamstyle.seeds import make_generator
from dreamstyle.styletransfer import TransferConfig
from dreamstyle.styletransfer.engine import compute_targets, losses
from dreamstyle.styletransfer.losses import SymmetricGram, gram_matrix, range_penalty, tv_loss


def test_loss_normalisation_does_not_depend_on_size(vgg19, data_dir):
    def start_ratio(size: int) -> float:
        photo = read_image(data_dir / "chelsea.png", size=size).batch().to(vgg19.device)
        style = read_image(data_dir / "mosaic.jpg", size=size * 3 // 2).batch().to(vgg19.device)  # style size differs too
        start = read_image(data_dir / "brick.png", size=size).batch().to(vgg19.device)[..., : photo.shape[-2], :]  # a real texture
        config = TransferConfig()
        targets = compute_targets(vgg19, photo, [style], config, (1.0,), tuple(photo.shape[-2:]))
        with torch.no_grad():
            content_part, style_part, *_ = losses(vgg19, start, targets, config)
        return (style_part / content_part).item()

    small, large = start_ratio(64), start_ratio(128)
    assert 0.7 < small / large < 1.4, (small, large)


def test_gram_matrix_gradient_is_exact():
    rows = torch.randn(2, 12, 5, dtype=torch.float64, generator=make_generator(0)).requires_grad_(True)
    assert torch.autograd.gradcheck(SymmetricGram.apply, (rows,))  # its one-product backward
    flat = torch.randn(2, 5, 12, generator=make_generator(1))  # (N, C, P)
    expected = flat @ flat.transpose(1, 2) / 12
    for layout in (torch.contiguous_format, torch.channels_last):
        features = flat.view(2, 5, 3, 4).contiguous(memory_format=layout)
        torch.testing.assert_close(gram_matrix(features), expected)
    channels_last = flat.view(2, 5, 3, 4).contiguous(memory_format=torch.channels_last)
    assert positions_by_channels(channels_last).data_ptr() == channels_last.data_ptr()  # a view, no copy


def test_range_penalty_is_zero_inside_and_its_gradient_exact():
    x = torch.tensor([[-0.5, 0.0, 0.3, 1.0, 1.25]], dtype=torch.float64).view(1, 1, 1, 5)
    value, gradient = range_penalty(x, 8.0)
    assert value.item() == pytest.approx(8.0 * (0.25 + 0.0625) / 5)
    leaf = x.clone().requires_grad_(True)
    (expected,) = torch.autograd.grad(8.0 * (leaf - leaf.clamp(0, 1)).pow(2).mean(), leaf)
    torch.testing.assert_close(gradient, expected)
    assert gradient[0, 0, 0, 1:4].eq(0).all()
    inside = torch.rand(1, 3, 8, 8, generator=make_generator(0))
    assert range_penalty(inside, 8.0)[0].item() == 0


def test_colour_match_matches_mean_and_covariance(mosaic, content, brick):
    matched = match_colors(mosaic, content)

    def stats(x):
        pixels = x.permute(1, 0, 2, 3).flatten(1)
        return pixels.mean(1), torch.cov(pixels)

    (mean_m, cov_m), (mean_c, cov_c) = stats(matched), stats(content)
    assert (mean_m - mean_c).abs().max() < 0.02 and (cov_m - cov_c).abs().max() < 0.01
    grey = match_colors(brick, content)  # singular covariance must not crash
    assert torch.isfinite(grey).all()


def test_colour_and_pixel_functions_name_the_argument_that_is_not_an_rgb_batch(content):
    expected = r"^x must be an \(N, 3, H, W\) floating-point RGB batch, got \(3, 43, 64\)"
    with pytest.raises(InvalidArgumentError, match=expected):
        rgb_to_ycbcr(content[0])
    with pytest.raises(InvalidArgumentError, match=r"^target must be .* got \(1, 1, "):
        match_colors(content, content[:, :1])
    with pytest.raises(InvalidArgumentError, match="^x must be"):
        tv_loss(content.to(torch.uint8))
