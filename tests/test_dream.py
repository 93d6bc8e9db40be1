"""The DeepDream engine: objective, octaves, jitter, clamping, guide, tiles, seeds, presets."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch

from dreamstyle import save
from dreamstyle.backbone.tiling import choose_tile, tile_margin, tiled_gradient
from dreamstyle.deepdream import DreamConfig, ZoomConfig, dream, dream_steps, dream_tensor, octave_sizes, zoom_rotate
from dreamstyle.deepdream.channel_atlas import channel_atlas, first_layer_filters
from dreamstyle.deepdream.objectives import ActivationObjective, GuideObjective
from dreamstyle.deepdream.smoothing import gaussian_cascade, laplacian_normalize
from dreamstyle.deepdream.zoom import zoom_frames
from dreamstyle.errors import InvalidArgumentError, OutputExistsError
from dreamstyle.imaging import read_image, read_metadata

from .helpers import resolve

FAST = DreamConfig(octaves=2, iterations=3)


@pytest.fixture(scope="module")
def small(data_dir, device) -> torch.Tensor:
    return read_image(data_dir / "chelsea.png", size=96).batch().to(device)  # (1, 3, 64, 96)


def objective_of(net, x, config=FAST):
    objective = ActivationObjective(net, config.layers, config.channels)
    with torch.no_grad():
        return objective(net(x, objective.layers), tuple(x.shape[-2:])).item()


def test_objective_increases(vgg19, small):
    trace = []
    out = dream_tensor(vgg19, small, FAST, seed=0, callback=lambda p: trace.append((p.octave, float(p.objective))))
    last_octave = [value for octave, value in trace if octave == 1]
    assert last_octave[-1] > last_octave[0]
    assert objective_of(vgg19, out) > 2 * objective_of(vgg19, small)


def test_each_octave_runs_at_its_size(vgg19, small):
    config = DreamConfig(octaves=3, octave_scale=1.5, iterations=2)
    sizes = []
    out = dream_tensor(vgg19, small, config, seed=0, callback=lambda p: sizes.append((p.size, tuple(p.image.shape[-2:]))))
    assert [s for s, _ in sizes[::2]] == [(28, 43), (43, 64), (64, 96)]
    assert all(size == shape for size, shape in sizes)
    assert out.shape == small.shape
    assert octave_sizes(64, 96, 3, 1.5, 8) == [(28, 43), (43, 64), (64, 96)]
    assert octave_sizes(64, 96, 5, 2.0, 16) == [(16, 24), (32, 48), (64, 96)]  # too-small octaves dropped


def test_pixels_stay_in_range_every_step(vgg19, small):
    huge_steps = DreamConfig(octaves=1, iterations=3, step=0.5, bounds="clamp")
    seen = []
    out = dream_tensor(vgg19, small, huge_steps, seed=0, callback=lambda p: seen.append((p.image.min(), p.image.max())))
    assert all(low >= 0 and high <= 1 for low, high in seen)
    assert out.min() == 0 and out.max() == 1  # the clamp really bit


def test_same_seed_same_result_different_seed_differs(vgg19, small):
    first = dream_tensor(vgg19, small, FAST, seed=5)
    assert torch.equal(first, dream_tensor(vgg19, small, FAST, seed=5))
    assert not torch.equal(first, dream_tensor(vgg19, small, FAST, seed=6))


def test_detail_carried_between_octaves_keeps_the_photo(vgg19, data_dir):
    photo = read_image(data_dir / "chelsea.png", size=128).batch().to(vgg19.device)
    gentle = DreamConfig(octaves=3, iterations=2, step=0.004)
    out = dream_tensor(vgg19, photo, gentle, seed=0)
    # Carrying only the added detail keeps the full-size photo underneath, edges included.
    assert (out - photo).abs().mean() < 0.05
    edges = lambda x: (x[..., 1:] - x[..., :-1]).abs().mean()  # noqa: E731
    assert edges(out) >= edges(photo)


def test_channel_selection_and_validation(vgg19, small):
    config = DreamConfig(octaves=1, iterations=2, channels="relu4_2=3,7")
    out = dream_tensor(vgg19, small, config, seed=0)
    with torch.no_grad():
        feats = vgg19(out, ["relu4_2"])["relu4_2"][0]
        base = vgg19(small, ["relu4_2"])["relu4_2"][0]
    gain = feats.pow(2).mean(dim=(1, 2)) / base.pow(2).mean(dim=(1, 2)).clamp(min=1e-6)
    assert gain[[3, 7]].min() > gain.median()
    with pytest.raises(InvalidArgumentError, match="channel 512 is out of range for relu4_2: it has channels 0-511"):
        dream_tensor(vgg19, small, DreamConfig(channels="relu4_2=512"), seed=0)


def test_guide_pulls_features_toward_the_guide(vgg19, data_dir):
    photo = read_image(data_dir / "chelsea.png", size=96).batch().to(vgg19.device)
    guide = read_image(data_dir / "mosaic.jpg", size=96).batch().to(vgg19.device)
    config = DreamConfig(octaves=2, iterations=4)
    match = GuideObjective.from_image(vgg19, config.layers, guide)

    def closeness(x):
        with torch.no_grad():
            return match(vgg19(x, match.layers), tuple(x.shape[-2:])).item()

    guided = dream_tensor(vgg19, photo, config, seed=0, guide=guide)
    plain = dream_tensor(vgg19, photo, config, seed=0)
    assert closeness(guided) > closeness(plain) > 0
    assert closeness(guided) > 1.2 * closeness(photo)


def test_smoothing_functions():
    grad = torch.randn(1, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    roughness = lambda g: (g[..., 1:] - g[..., :-1]).abs().mean() / g.abs().mean()  # noqa: E731
    assert roughness(gaussian_cascade(grad, 0.9)) < 0.5 * roughness(grad)
    coarse = torch.nn.functional.interpolate(torch.randn(1, 3, 4, 4), size=(32, 32), mode="bilinear")
    balanced = laplacian_normalize(coarse * 0.01 + grad)
    assert balanced.shape == grad.shape and torch.isfinite(balanced).all()


def test_tiled_gradient_equals_the_untiled_gradient(vgg19, data_dir):
    x = read_image(data_dir / "chelsea.png", size=128).batch().to(vgg19.device)
    objective = ActivationObjective(vgg19, (("relu4_2", 1.0),))

    def value_of(crop, window):
        return objective(vgg19(crop, objective.layers), tuple(x.shape[-2:]), window and window.inner_in_crop)

    whole, whole_value = tiled_gradient(value_of, x, 0, 0, (0, 0))
    tiles, tiles_value = tiled_gradient(value_of, x, 32, tile_margin(vgg19, objective.layers), (8, 16))
    assert (tiles - whole).norm() / whole.norm() < 1e-4
    torch.testing.assert_close(tiles_value, whole_value, rtol=1e-4, atol=0)


def test_tiled_dream_has_no_seams(vgg19, data_dir):
    x = read_image(data_dir / "chelsea.png", size=128).batch().to(vgg19.device)
    untiled = dream_tensor(vgg19, x, DreamConfig(octaves=2, iterations=3, tile=0), seed=3)
    tiled = dream_tensor(vgg19, x, DreamConfig(octaves=2, iterations=3, tile=32), seed=3)
    change = (untiled - x).abs().mean()
    assert (tiled - untiled).abs().mean() < 0.01 * change
    # Pixel differences across every possible tile border are no larger than elsewhere.
    column_jumps = (tiled[..., 1:] - tiled[..., :-1]).abs().mean(dim=(0, 1, 2))
    on_borders = column_jumps[7::8]  # tile borders fall on multiples of the stride (8)
    assert on_borders.mean() < 1.1 * column_jumps.mean()


def test_automatic_tiling_follows_memory(vgg19, monkeypatch):
    layers = ["relu4_2"]
    assert choose_tile(vgg19, layers, (512, 512), None) == 0  # plenty of RAM here
    monkeypatch.setattr("dreamstyle.backbone.tiling.available_memory", lambda device: 200 * 2**20)
    tile = choose_tile(vgg19, layers, (2048, 2048), None)
    assert 128 <= tile < 2048 and tile % 8 == 0
    assert choose_tile(vgg19, layers, (2048, 2048), 0) == 0
    assert choose_tile(vgg19, layers, (2048, 2048), 250) == 248


# VmHWM (this process's peak RSS) rather than ru_maxrss, which a child
# started from a large pytest process inherits across exec.
PEAK_MEMORY_SCRIPT = textwrap.dedent("""
    import sys, torch
    from dreamstyle import load_backbone
    from dreamstyle.deepdream import DreamConfig, dream_tensor

    def peak_kib():
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))

    net = load_backbone(device="cpu", precision="fp32")
    image = torch.rand(1, 3, 640, 640, generator=torch.Generator().manual_seed(0))
    before = peak_kib()
    dream_tensor(net, image, DreamConfig(octaves=1, iterations=1, tile=int(sys.argv[1])), seed=0)
    print(peak_kib() - before)
""")


@pytest.mark.cpu_only  # resident memory; VRAM peaks are benchmarks/gpu.py's
def test_tiling_lowers_peak_memory():
    def peak_kib(tile: int) -> int:
        done = subprocess.run([sys.executable, "-c", PEAK_MEMORY_SCRIPT, str(tile)], capture_output=True, text=True,
                              check=True)
        return int(done.stdout.split()[-1])

    untiled, tiled = peak_kib(0), peak_kib(128)
    assert tiled < 0.5 * untiled, (tiled, untiled)


def test_zoom_rotate_and_frames(vgg19, small):
    assert torch.equal(zoom_rotate(small, 1.0, 0.0), small)
    zoomed = zoom_rotate(small, 2.0, 0.0)
    centre = small[..., 16:48, 24:72]
    resized = torch.nn.functional.interpolate(centre, size=(64, 96), mode="bicubic", align_corners=False)
    assert (zoomed - resized.clamp(0, 1)).abs().mean() < 0.05
    frames = list(zoom_frames(vgg19, small, DreamConfig(octaves=1, iterations=1), ZoomConfig(3, 1.1, 2.0), seed=0))
    assert len(frames) == 3 and all(f.shape == small.shape for f in frames)
    assert not torch.equal(frames[1], frames[2])


def test_a_zoom_holds_the_colours_of_its_first_frame_unless_told_to_burn(vgg19, small):
    def channel_spread(frame: torch.Tensor) -> torch.Tensor:
        return frame.flatten(2).std(dim=2)[0]

    burning = DreamConfig(octaves=1, iterations=4, step=0.05)
    spreads = {}
    for hold in (1.0, 0.0):
        frames = list(zoom_frames(vgg19, small, burning, ZoomConfig(6, 1.1, 0.0, colour_hold=hold), seed=0))
        spreads[hold] = (channel_spread(frames[0]), channel_spread(frames[-1]))
    first, last = spreads[1.0]
    assert torch.allclose(last, first, rtol=0.05), (first, last)
    first, last = spreads[0.0]
    assert (last / first).max() > 1.1, (first, last)  # left alone, contrast builds up frame after frame


def test_atlas_and_filters(vgg19):
    tiles = channel_atlas(vgg19, "relu3_1", [0, 5], seed=1, size=48,
                          config=DreamConfig(octaves=2, iterations=3, jitter=4))
    assert tiles.shape == (2, 3, 48, 48)
    again = channel_atlas(vgg19, "relu3_1", [0, 5], seed=1, size=48, config=DreamConfig(octaves=2, iterations=3, jitter=4))
    assert torch.equal(tiles, again)
    assert not torch.equal(tiles[0], tiles[1])  # each channel grows its own pattern
    kernels = first_layer_filters(vgg19)
    assert kernels.shape == (64, 3, 3, 3) and kernels.min() == 0 and kernels.max() == 1
    with pytest.raises(InvalidArgumentError, match="only the first layer"):
        first_layer_filters(vgg19, "conv2_1")


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"octave_scale": 1.0}, "octave_scale must be greater than 1"),
        ({"octaves": 0}, "octaves must be at least 1"),
        ({"layers": "relu4_2:-1"}, "must not be negative"),
        ({"smoothing": "blur"}, "smoothing must be one of"),
        ({"channels": "relu3_1=4"}, "relu3_1 is not one of the dream layers"),
        ({"channels": "relu4_2=a"}, "bad channel 'a'"),
        ({"octaves": "4"}, "octaves must be a whole number, got '4'"),
        ({"step": None}, "step must be a number, got None"),
    ],
)
def test_config_errors(settings, message):
    with pytest.raises(InvalidArgumentError, match=message):
        DreamConfig(**settings)


def test_unknown_layer_lists_valid_ones(vgg19, small):
    with pytest.raises(InvalidArgumentError, match="unknown layer 'relu4_7'.*closest"):
        dream_tensor(vgg19, small, DreamConfig(layers="relu4_7"), seed=0)


def test_api_accepts_path_pil_and_tensor_and_records_settings(vgg19, data_dir, small):
    from_path = dream(data_dir / "chelsea.png", size=64, seed=2, backbone=vgg19, octaves=1, iterations=2)
    from_tensor = dream(small, size=64, seed=2, backbone=vgg19, octaves=1, iterations=2)
    assert from_path.size == from_tensor.size == (64, 43)
    info = from_path.info["dreamstyle"]
    assert info["seed"] == 2 and info["config"]["iterations"] == 2 and info["preset"] == "classic"
    again = dream(data_dir / "chelsea.png", like=info, backbone=vgg19)
    assert np.array_equal(np.asarray(again), np.asarray(from_path))


def test_a_saved_api_picture_keeps_its_settings_for_like(vgg19, small, tmp_path):
    image = dream(small[0], size=48, seed=2, backbone=vgg19, octaves=1, iterations=2)
    for name in ("dreamed.png", "dreamed.jpg", "dreamed.webp", "dreamed.tif"):
        path = save(image, tmp_path / name)
        assert read_metadata(path) == json.loads(json.dumps(image.info["dreamstyle"]))
    again = dream(small[0], like=tmp_path / "dreamed.png", backbone=vgg19)
    assert np.array_equal(np.asarray(again), np.asarray(image))
    with pytest.raises(OutputExistsError):
        save(image, tmp_path / "dreamed.png")


def test_classic_preset_is_the_default_config():

    assert resolve("dream", seed=0).config == DreamConfig()
    assert resolve("dream", preset="deep", seed=0).config.octaves == 5
    assert resolve("dream", preset="deep", seed=0, octaves=2).config.octaves == 2


def test_dream_steps_count_every_progress_event_and_the_events_count_the_run(vgg19, small):
    config = DreamConfig(octaves=3, iterations=2, jitter=0)
    events = []
    dream_tensor(vgg19, small, config, seed=0, callback=events.append)
    total = dream_steps(vgg19, small.shape[-2], small.shape[-1], config)
    assert total == len(events) == events[-1].run_done
    assert [event.run_done for event in events] == list(range(1, total + 1))
    assert {event.run_total for event in events} == {total}
