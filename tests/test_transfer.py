"""The style-transfer engine: losses, colour modes, blending, schedule, seeds, normalisation, CLI."""

from __future__ import annotations

import copy
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from dreamstyle import load_backbone, transfer
from dreamstyle.backbone.features import positions_by_channels
from dreamstyle.backbone.tiling import choose_tile
from dreamstyle.errors import InvalidArgumentError
from dreamstyle.imaging import read_image, read_metadata
from dreamstyle.styletransfer import Scale, TransferConfig, scale_schedule, scale_sizes, transfer_tensor
from dreamstyle.styletransfer.colour import match_colors, rgb_to_ycbcr
from dreamstyle.runtime import make_generator
from dreamstyle.styletransfer import engine
from dreamstyle.styletransfer.engine import compute_targets, evaluate, initial_image, losses
from dreamstyle.styletransfer.losses import SymmetricGram, gram_matrix, range_penalty
from dreamstyle.styletransfer.tiles import TileGrid, tiled_grams

from .test_cli import assert_one_error_line, run

ONE_SCALE = dict(scales=1, iterations=20)


@pytest.fixture(scope="module")
def content(data_dir, device) -> torch.Tensor:
    return read_image(data_dir / "chelsea.png", size=64).batch().to(device)


@pytest.fixture(scope="module")
def mosaic(data_dir, device) -> torch.Tensor:
    return read_image(data_dir / "mosaic.jpg", size=96).batch().to(device)


@pytest.fixture(scope="module")
def brick(data_dir, device) -> torch.Tensor:
    return read_image(data_dir / "brick.png", size=96).batch().to(device)  # a grayscale texture


def loss_trace(net, content, styles, config, **kw):
    trace = []
    out = transfer_tensor(net, content, styles, config, seed=0,
                          callback=lambda p: trace.append((float(p.content), float(p.style))), **kw)
    return out, trace


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


def test_colour_match_matches_mean_and_covariance(mosaic, content, brick):
    matched = match_colors(mosaic, content)

    def stats(x):
        pixels = x.permute(1, 0, 2, 3).flatten(1)
        return pixels.mean(1), torch.cov(pixels)

    (mean_m, cov_m), (mean_c, cov_c) = stats(matched), stats(content)
    assert (mean_m - mean_c).abs().max() < 0.02 and (cov_m - cov_c).abs().max() < 0.01
    grey = match_colors(brick, content)  # singular covariance must not crash
    assert torch.isfinite(grey).all()


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
    blurred = engine.resize(engine.resize(content, coarse), fine)  # all a coarse scale can hold of the photo
    start = {detail: engine.finer_start(engine.resize(content, coarse), content, coarse, fine,
                                        TransferConfig(content_detail=detail, content_mix=0.0))
             for detail in (0.0, 1.0)}
    assert torch.allclose(start[0.0], blurred)
    assert (start[1.0] - content).abs().max() < 0.02  # detail restored: the photo again (up to clamping)
    assert (blurred - content).abs().mean() > 10 * (start[1.0] - content).abs().mean()
    noise = torch.rand(1, 3, 4, 6, generator=torch.Generator().manual_seed(0)).to(content.device)
    stylised = engine.resize(noise, coarse)
    with_detail = engine.finer_start(stylised, content, coarse, fine, TransferConfig(content_detail=1.0))
    # The coarse result's own colours and layout are kept: only the photo's finer band is added.
    kept = (engine.resize(with_detail, coarse) - stylised).abs().mean()
    assert kept < 0.03 < (stylised - engine.resize(content, coarse)).abs().mean()


def test_like_repeats_runs_made_before_newer_settings_existed(vgg19, data_dir):
    old_metadata = {"command": "transfer", "seed": 1, "size": 48, "preset": "classic",
                    "config": {"scales": 2, "start_size": 32, "iterations": 3}}  # no schedule settings yet
    again = transfer(data_dir / "chelsea.png", data_dir / "mosaic.jpg", like=old_metadata, net=vgg19)
    config = again.info["dreamstyle"]["config"]
    assert (config["coarse_iterations_factor"], config["final_iterations_factor"], config["coarse_content_boost"],
            config["content_mix"], config["content_detail"], config["bounds"]) == (1.0, 1.0, 1.0, 0.0, 0.0, "clamp")
    fresh = transfer(data_dir / "chelsea.png", data_dir / "mosaic.jpg", size=48, scales=2, start_size=32,
                     iterations=3, net=vgg19)
    assert fresh.info["dreamstyle"]["config"]["content_detail"] == 1.0  # the classic preset's
    assert fresh.info["dreamstyle"]["config"]["bounds"] == "soft"


def test_same_seed_same_output(vgg19, content, mosaic):
    config = TransferConfig(init="noise", scales=1, iterations=5)
    first = transfer_tensor(vgg19, content, [mosaic], config, seed=4)
    assert torch.equal(first, transfer_tensor(vgg19, content, [mosaic], config, seed=4))
    assert not torch.equal(first, transfer_tensor(vgg19, content, [mosaic], config, seed=5))


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
                     net=vgg19, style_blend=[0.7, 0.3], iterations=3, scales=1)
    assert image.size == (48, 32)
    info = image.info["dreamstyle"]
    assert info["config"]["style_blend"] == "0.7,0.3" and info["seed"] == 3 and info["styles"] == ["mosaic.jpg", "brick.png"]
    again = transfer(data_dir / "chelsea.png", [data_dir / "mosaic.jpg", data_dir / "brick.png"], like=info, net=vgg19)
    assert np.array_equal(np.asarray(again), np.asarray(image))


@pytest.fixture()
def files(tmp_path, data_dir) -> tuple[Path, Path]:
    photo, style = tmp_path / "cat.png", tmp_path / "mosaic.jpg"
    photo.write_bytes((data_dir / "chelsea.png").read_bytes())
    style.write_bytes((data_dir / "mosaic.jpg").read_bytes())
    return photo, style


QUICK = ["--size", "48", "--scales", "1", "--iterations", "3", "--precision", "fp32", "-q"]


def test_cli_end_to_end_and_like(files, tmp_path):
    photo, style = files
    result = run("transfer", str(photo), str(style), *QUICK, "--seed", "2")
    assert result.exit_code == 0, result.output
    output = tmp_path / "cat_mosaic.png"
    assert Image.open(output).size == (48, 32)
    metadata = read_metadata(output)
    assert metadata["command"] == "transfer" and metadata["seed"] == 2 and metadata["preset"] == "classic"
    again = tmp_path / "again.png"
    assert run("transfer", str(photo), str(style), "--like", str(output), "--precision", "fp32", "-q",
               "-o", str(again)).exit_code == 0
    assert again.read_bytes() == output.read_bytes()
    assert_one_error_line(run("transfer", str(photo), str(style), *QUICK), "exists already", "--force")


def test_cli_presets_and_overrides(files, tmp_path):
    photo, style = files
    listing = run("presets").output
    for name in ("classic", "faithful", "painterly", "bold", "fine"):
        assert f"  {name} " in listing
    output = tmp_path / "p.png"
    assert run("transfer", str(photo), str(style), *QUICK, "--preset", "bold", "--style-weight", "3",
               "-o", str(output)).exit_code == 0
    config = read_metadata(output)["config"]
    assert config["style_scale"] == 1.6 and config["style_weight"] == 3.0
    tiled = tmp_path / "t.png"
    assert run("transfer", str(photo), str(style), *QUICK, "--tile", "32", "-o", str(tiled)).exit_code == 0
    assert read_metadata(tiled)["config"]["tile"] == 32
    clamped = tmp_path / "c.png"
    assert run("transfer", str(photo), str(style), *QUICK, "--bounds", "clamp", "-o", str(clamped)).exit_code == 0
    assert read_metadata(clamped)["config"]["bounds"] == "clamp"
    coarse = tmp_path / "s.png"
    assert run("transfer", str(photo), str(style), *QUICK, "--coarse-iterations-factor", "0.25",
               "-o", str(coarse)).exit_code == 0
    assert read_metadata(coarse)["config"]["coarse_iterations_factor"] == 0.25
    assert_one_error_line(run("transfer", str(photo), str(style), *QUICK, "--tile", "8", "-o", str(tmp_path / "u.png")),
                          "tile must be 0 (never), or at least 32 px")


def test_a_bad_value_is_blamed_on_the_preset_only_when_it_came_from_there(tmp_path):
    from dreamstyle.styletransfer.run import resolve_run

    preset = tmp_path / "mine.toml"
    preset.write_text("style_scale = 0\ntv_weight = 1\n")
    with pytest.raises(InvalidArgumentError, match=f"^preset {re.escape(str(preset))}: style_scale must be positive"):
        resolve_run(preset=preset)
    with pytest.raises(InvalidArgumentError, match="^tv_weight must not be negative"):
        resolve_run(preset=preset, style_scale=0.5, tv_weight=-1)
    assert resolve_run(preset=preset, style_scale=0.5).config.style_scale == 0.5


def test_cli_preset_with_a_value_of_the_wrong_type_is_one_error_line(files, tmp_path):
    photo, style = files
    preset = tmp_path / "mine.toml"
    preset.write_text('style_weight = "strong"\n')
    output = tmp_path / "o.png"
    assert_one_error_line(run("transfer", str(photo), str(style), *QUICK, "--preset", str(preset), "-o", str(output)),
                          f"preset {preset}: style_weight must be a number, got 'strong'")
    assert not output.exists()


def test_cli_save_every_and_init_file(files, tmp_path):
    photo, style = files
    output = tmp_path / "o.png"
    assert run("transfer", str(photo), str(style), *QUICK, "--optimizer", "adam", "--save-every", "2",
               "--init", str(style), "-o", str(output)).exit_code == 0
    assert sorted(p.name for p in tmp_path.glob("o_step*.png")) == ["o_step0002.png"]
    assert read_metadata(output)["init_image"] == "mosaic.jpg"


@pytest.mark.parametrize(
    "args, fragments",
    [
        (["--style-layers", "relu9_1"], ["unknown layer 'relu9_1'"]),
        (["--content-layers", "conv4_7"], ["unknown layer 'conv4_7'"]),
        (["--style-blend", "0.5,0.3,0.2"], ["--style-blend has 3 weights for 1 style images"]),
        (["--style-weight", "-2"], ["--style-weight must not be negative, got -2.0"]),
        (["--tv-weight", "-1"], ["--tv-weight must not be negative"]),
        (["--content-mix", "1.5"], ["--content-mix must be in [0, 1]"]),
        (["--content-detail", "-0.1"], ["--content-detail must be in [0, 1]"]),
        (["--coarse-iterations-factor", "0"], ["--coarse-iterations-factor must be positive"]),
        (["--style-layers", "relu1_1:x"], ["--style-layers: bad weight in 'relu1_1:x'"]),
        (["--size", "8"], ["--size must be at least 16 px"]),
        (["--init", "{tmp}/missing.png"], ["missing.png: no such file"]),
        (["--preset", "nope"], ["unknown transfer preset 'nope'"]),
        (["--like", "{photo}"], ["holds no dreamstyle transfer settings"]),
        (["-o", "{style}"], ["is an input file"]),
    ],
)
def test_cli_bad_input(files, tmp_path, args, fragments):
    photo, style = files
    values = {"tmp": str(tmp_path), "photo": str(photo), "style": str(style)}
    size = [] if "--size" in args else ["--size", "48"]
    result = run("transfer", str(photo), str(style), *size, *(a.format(**values) for a in args))
    assert_one_error_line(result, *fragments)


def test_cli_unreadable_style(files, tmp_path):
    photo, _ = files
    bad = tmp_path / "style.jpg"
    bad.write_text("no")
    assert_one_error_line(run("transfer", str(photo), str(bad), "--size", "48"), "style.jpg: not an image file")


def test_classic_preset_is_the_default_config():
    from dreamstyle.styletransfer.run import resolve_run

    run_ = resolve_run(seed=0)
    assert run_.config == TransferConfig() and run_.size == 512
    assert resolve_run(preset="bold", seed=0).config.style_scale == 1.6


@pytest.mark.parametrize("precision, tolerance", [("fp32", 1e-4), ("bf16", 1e-2)])
def test_tiled_objective_equals_the_untiled_one(vgg19, data_dir, mosaic, precision, tolerance):
    """In bf16 both read bf16 activations; a tile's convolutions round differently from the whole image's."""
    net = vgg19 if precision == "fp32" else load_backbone("vgg19", device=vgg19.device, precision=precision)
    photo = read_image(data_dir / "chelsea.png", size=128).batch().to(vgg19.device)
    noise = torch.randn(photo.shape, generator=make_generator(0))
    x = (photo + 0.1 * noise.to(photo.device)).clamp(0, 1)
    results = {}
    for tile in (0, 32):
        config = TransferConfig(tile=tile)
        targets = compute_targets(net, photo, [mosaic], config, (1.0,), tuple(photo.shape[-2:]))
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


def test_lbfgs_history_shrinks_on_huge_images(monkeypatch):
    monkeypatch.setattr(engine, "available_memory", lambda device: 20 * 2**30)
    cpu = torch.device("cpu")
    assert engine.lbfgs_history(512 * 512, cpu) == engine.LBFGS_HISTORY
    assert engine.lbfgs_history(2048 * 2048, cpu) == 21  # 2 GiB of 100 MB entries
    assert engine.lbfgs_history(4096 * 4096, cpu) == engine.MIN_LBFGS_HISTORY
    monkeypatch.setattr(engine, "available_memory", lambda device: 2**30)
    assert engine.lbfgs_history(1024 * 1024, cpu) == 10  # a quarter of 1 GiB in 25 MB entries


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
    monkeypatch.setattr(engine, "LBFGS_CHUNK", 4)
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
    config = TransferConfig(init="noise", scales=1, iterations=3 * engine.LBFGS_CHUNK)
    reported = []
    transfer_tensor(vgg19, content, [mosaic], config, seed=0, callback=lambda p: reported.append(p.iteration))
    assert reported[-1] == config.iterations and len(reported) >= 3  # several calls, each starting where the last ended
    repeats = sum(torch.equal(a, b) for i, a in enumerate(points) for b in points[:i])
    assert repeats == 0


@pytest.mark.cpu_only  # the CPU's ceilings; test_cuda.py has the GPU's
def test_transfer_runs_whole_images_a_dream_would_tile(vgg19, monkeypatch):
    monkeypatch.setattr("dreamstyle.backbone.tiling.available_memory", lambda device: 20 * 2**30)
    layers = ["relu4_2", "relu5_1"]
    size = (800, 600)  # 3.1 KiB a pixel in fp32 to relu5_1: 1.4 GiB, over a dream's 1 GiB tiles
    assert choose_tile(vgg19, layers, size, None) > 0
    assert TileGrid.plan(vgg19, layers, size, None).tile == 0
    huge = TileGrid.plan(vgg19, layers, (4096, 4096), None)
    assert 0 < huge.tile == choose_tile(vgg19, layers, (4096, 4096), None)  # tiles stay within 1 GiB


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


def test_reported_losses_are_those_of_the_image_kept(vgg19, content, mosaic):
    # 30 iterations end on a one-iteration chunk whose line-search trial L-BFGS rejects:
    # progress used to show that trial's losses (content 0.67) instead of the output's (0.48).
    config = TransferConfig(init="noise", scales=1, iterations=30)
    out, trace = loss_trace(vgg19, content, [mosaic], config)
    targets = compute_targets(vgg19, content, [mosaic], config, (1.0,), tuple(content.shape[-2:]))
    with torch.no_grad():
        kept = [part.item() for part in losses(vgg19, out, targets, config)[:2]]
    assert trace[-1] == pytest.approx(kept, rel=0.05)  # up to the final clamp into [0, 1]


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

    def flat() -> tuple[engine.Losses, torch.Tensor]:
        evaluations.append(1)
        zero = torch.zeros(())
        return engine.Losses(torch.ones(()), zero, zero, zero), torch.ones_like(x)

    out = engine._optimise(x, flat, TransferConfig(iterations=200), lambda i, parts, made: reported.append((i, made)))
    assert torch.equal(out, torch.full_like(x, 0.5))
    assert len(evaluations) < 3 * (engine.LBFGS_CHUNK + 3)  # two chunks, not twenty
    assert len(reported) == 1 and reported[0][0] == 200  # progress ends at the scale's end
    assert 1 <= reported[0][1] <= 2  # and says how many iterations L-BFGS really made
