"""Style transfer's engine and Python API: what the optimisation does to a picture, and its settings."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from dreamstyle import transfer
from dreamstyle.errors import InvalidArgumentError
from dreamstyle.imaging import read_image
from dreamstyle.imaging.colour import rgb_to_ycbcr
from dreamstyle.imaging.resizing import resize
from dreamstyle.seeds import make_generator
from dreamstyle.styletransfer import Scale, TransferConfig, scale_schedule, scale_sizes, transfer_tensor
from dreamstyle.styletransfer.engine import compute_targets, losses
from dreamstyle.styletransfer.losses import gram_matrix
from dreamstyle.styletransfer.starts import finer_start, initial_image

from .helpers import loss_trace, resolve

ONE_SCALE = dict(scales=1, iterations=20)


def start_losses(net, content, styles, config, seed=0):
    start = initial_image(content, styles, config, make_generator(seed), None)
    targets = compute_targets(net, content, styles, config, (1.0,) * len(styles), tuple(content.shape[-2:]))
    with torch.no_grad():
        return [part.item() for part in losses(net, start, targets, config)[:2]]


@pytest.mark.parametrize("optimizer", ["lbfgs", "adam"])
def test_content_and_style_losses_fall(vgg19, content, mosaic, optimizer):
    config = TransferConfig(init="noise", optimizer=optimizer, learning_rate=0.05, scales=1, iterations=30)
    start_content, start_style = start_losses(vgg19, content, [mosaic], config)
    _, trace = loss_trace(vgg19, content, [mosaic], config)
    assert trace[-1][0] < 0.7 * start_content and trace[-1][1] < 0.3 * start_style
    from_photo = TransferConfig(optimizer=optimizer, scales=1, iterations=20)
    _, trace = loss_trace(vgg19, content, [mosaic], from_photo)
    assert trace[-1][1] < 0.5 * start_losses(vgg19, content, [mosaic], from_photo)[1]


def test_luminance_mode_keeps_the_content_chroma(vgg19, content, mosaic):
    kept = transfer_tensor(vgg19, content, [mosaic], TransferConfig(preserve_colors="luminance", **ONE_SCALE), seed=0)
    free = transfer_tensor(vgg19, content, [mosaic], TransferConfig(preserve_colors="none", **ONE_SCALE), seed=0)
    chroma = lambda x: rgb_to_ycbcr(x)[:, 1:]  # noqa: E731
    kept_error = (chroma(kept) - chroma(content)).abs().mean()
    free_error = (chroma(free) - chroma(content)).abs().mean()
    assert kept_error < 0.01 and free_error > 3 * kept_error
    assert (rgb_to_ycbcr(kept)[:, :1] - rgb_to_ycbcr(content)[:, :1]).abs().mean() > 0.02  # luminance did change


def test_blend_weights_move_gram_statistics_monotonically(vgg19, content, mosaic, brick):
    layer = "relu2_1"
    with torch.no_grad():
        target_a = gram_matrix(vgg19(mosaic, [layer])[layer])
        target_b = gram_matrix(vgg19(brick, [layer])[layer])
    positions = []
    for weight in (1.0, 0.5, 0.0):
        config = TransferConfig(style_blend=(weight, 1 - weight), style_layers=layer, scales=1, iterations=20,
                                init="noise", content_weight=0.1)
        out = transfer_tensor(vgg19, content, [mosaic, brick], config, seed=0)
        with torch.no_grad():
            gram = gram_matrix(vgg19(out, [layer])[layer])
        positions.append(((gram - target_b).norm() / ((gram - target_a).norm() + (gram - target_b).norm())).item())
    assert positions[0] > positions[1] > positions[2]


def test_multiscale_schedule_ends_at_the_requested_size(vgg19, data_dir, mosaic):
    assert scale_sizes(300, 451, 3, 128) == [(85, 128), (160, 240), (300, 451)]
    assert scale_sizes(64, 96, 3, 128) == [(64, 96)]
    photo = read_image(data_dir / "chelsea.png", size=97).batch().to(vgg19.device)
    sizes = []
    out = transfer_tensor(vgg19, photo, [mosaic], TransferConfig(scales=3, start_size=40, iterations=2), seed=0,
                          callback=lambda p: sizes.append(p.size))
    assert list(dict.fromkeys(sizes)) == [(27, 40), (42, 62), (65, 97)]
    assert out.shape[-2:] == photo.shape[-2:] == (65, 97)


def test_schedule_final_iterations_and_coarse_content_boost(vgg19, data_dir, mosaic):
    config = TransferConfig(scales=3, start_size=40, iterations=4, coarse_iterations_factor=0.5,
                            final_iterations_factor=2.5, content_weight=2.0, coarse_content_boost=9.0)
    schedule = scale_schedule(65, 97, config)
    assert [step.size for step in schedule] == [(27, 40), (42, 62), (65, 97)]
    assert [step.iterations for step in schedule] == [2, 2, 10]
    assert [step.content_weight for step in schedule] == pytest.approx([18.0, 6.0, 2.0])  # 9x, 3x, 1x
    assert scale_schedule(64, 96, replace(config, start_size=128)) == [Scale((64, 96), 4, 2.0)]  # one scale: as asked
    photo = read_image(data_dir / "chelsea.png", size=97).batch().to(vgg19.device)
    events = []
    transfer_tensor(vgg19, photo, [mosaic], config, seed=0, callback=events.append)
    assert [(e.scale, e.iteration) for e in events][-1] == (2, 10)
    assert [e.run_done for e in events][-1] == events[-1].run_total == 14  # what the progress bar counts


def test_content_mix_brings_the_photo_back_at_each_finer_scale(vgg19, content, mosaic):
    config = TransferConfig(scales=2, start_size=32, iterations=15, coarse_iterations_factor=1.0,
                            final_iterations_factor=0.01)
    distance = {}
    for mix in (0.0, 1.0):
        out = transfer_tensor(vgg19, content, [mosaic], replace(config, content_mix=mix), seed=0)
        distance[mix] = (out - content).abs().mean().item()
    assert distance[1.0] < 0.5 * distance[0.0]  # the last scale restarted from the photo itself


def test_finer_start_adds_back_the_photo_detail_the_coarse_scale_lacks(content):
    coarse, fine = (16, 24), tuple(content.shape[-2:])
    blurred = resize(resize(content, coarse), fine)  # all a coarse scale can hold of the photo
    start = {detail: finer_start(resize(content, coarse), content, coarse, fine,
                                        TransferConfig(content_detail=detail, content_mix=0.0))
             for detail in (0.0, 1.0)}
    assert torch.allclose(start[0.0], blurred)
    assert (start[1.0] - content).abs().max() < 0.02  # detail restored: the photo again (up to clamping)
    assert (blurred - content).abs().mean() > 10 * (start[1.0] - content).abs().mean()
    noise = torch.rand(1, 3, 4, 6, generator=torch.Generator().manual_seed(0)).to(content.device)
    stylised = resize(noise, coarse)
    with_detail = finer_start(stylised, content, coarse, fine, TransferConfig(content_detail=1.0))
    # The coarse result's own colours and layout are kept: only the photo's finer band is added.
    kept = (resize(with_detail, coarse) - stylised).abs().mean()
    assert kept < 0.03 < (stylised - resize(content, coarse)).abs().mean()


def test_like_repeats_runs_made_before_newer_settings_existed(vgg19, data_dir):
    old_metadata = {"command": "transfer", "seed": 1, "size": 48, "preset": "classic",
                    "config": {"scales": 2, "start_size": 32, "iterations": 3}}  # no schedule settings yet
    again = transfer(data_dir / "chelsea.png", data_dir / "mosaic.jpg", like=old_metadata, backbone=vgg19)
    config = again.info["dreamstyle"]["config"]
    assert (config["coarse_iterations_factor"], config["final_iterations_factor"], config["coarse_content_boost"],
            config["content_mix"], config["content_detail"], config["bounds"]) == (1.0, 1.0, 1.0, 0.0, 0.0, "clamp")
    fresh = transfer(data_dir / "chelsea.png", data_dir / "mosaic.jpg", size=48, scales=2, start_size=32,
                     iterations=3, backbone=vgg19)
    assert fresh.info["dreamstyle"]["config"]["content_detail"] == 1.0  # the classic preset's
    assert fresh.info["dreamstyle"]["config"]["bounds"] == "soft"


def test_same_seed_same_output(vgg19, content, mosaic):
    config = TransferConfig(init="noise", scales=1, iterations=5)
    first = transfer_tensor(vgg19, content, [mosaic], config, seed=4)
    assert torch.equal(first, transfer_tensor(vgg19, content, [mosaic], config, seed=4))
    assert not torch.equal(first, transfer_tensor(vgg19, content, [mosaic], config, seed=5))


def test_grayscale_content_and_style_work(vgg19, brick, content):
    out = transfer_tensor(vgg19, brick[..., :64, :64], [brick], TransferConfig(scales=1, iterations=3), seed=0)
    assert out.shape == (1, 3, 64, 64)
    out = transfer_tensor(vgg19, content, [brick], TransferConfig(preserve_colors="match", scales=1, iterations=3),
                          seed=0)
    assert torch.isfinite(out).all()


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"style_weight": -1}, "style_weight must not be negative"),
        ({"style_layers": "relu1_1:-2"}, "must not be negative"),
        ({"style_blend": "a,b"}, "not a list of numbers"),
        ({"preserve_colors": "sepia"}, "preserve_colors must be one of"),
        ({"scales": 0}, "scales must be at least 1"),
        ({"learning_rate": 3}, "learning_rate must be in"),
        ({"coarse_iterations_factor": 0}, "coarse_iterations_factor must be positive"),
        ({"final_iterations_factor": 0}, "final_iterations_factor must be positive"),
        ({"coarse_content_boost": 0}, "coarse_content_boost must be positive"),
        ({"style_weight": "strong"}, "style_weight must be a number, got 'strong'"),
        ({"iterations": 2.5}, "iterations must be a whole number, got 2.5"),
        ({"scales": True}, "scales must be a whole number, got True"),
        ({"tile": "auto"}, "tile must be a whole number, got 'auto'"),
    ],
)
def test_config_errors(settings, message):
    with pytest.raises(InvalidArgumentError, match=message):
        TransferConfig(**settings)


def test_api_returns_pil_with_settings(vgg19, data_dir):
    image = transfer(data_dir / "chelsea.png", [data_dir / "mosaic.jpg", data_dir / "brick.png"], size=48, seed=3,
                     backbone=vgg19, style_blend=[0.7, 0.3], iterations=3, scales=1)
    assert image.size == (48, 32)
    info = image.info["dreamstyle"]
    assert info["config"]["style_blend"] == "0.7,0.3" and info["seed"] == 3 and info["styles"] == ["mosaic.jpg", "brick.png"]
    again = transfer(data_dir / "chelsea.png", [data_dir / "mosaic.jpg", data_dir / "brick.png"], like=info, backbone=vgg19)
    assert np.array_equal(np.asarray(again), np.asarray(image))


def test_classic_preset_is_the_default_config():

    run_ = resolve("transfer", seed=0)
    assert run_.config == TransferConfig() and run_.side_for(2000, 3000) == 512 and run_.side_for(300, 451) is None
    assert resolve("transfer", preset="bold", seed=0).config.style_scale == 1.6
