"""Regions: each style lands where its mask says, blends across soft edges, and leaves the rest of the photo."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from dreamstyle import dream, transfer
from dreamstyle.backbone.features import positions_by_channels
from dreamstyle.deepdream import DreamConfig, dream_tensor
from dreamstyle.imaging import read_image, read_metadata
from dreamstyle.masks import Regions
from dreamstyle.seeds import make_generator
from dreamstyle.styletransfer import TransferConfig, transfer_tensor
from dreamstyle.styletransfer.engine import compute_targets, evaluate, style_statistic
from dreamstyle.styletransfer.losses import gram_matrix
from dreamstyle.styletransfer.regions import RegionWeights, region_style_loss

from .helpers import assert_one_error_line, run, style_loss

SMALL = TransferConfig(scales=2, start_size=48, iterations=20)
LAYERS = ("relu1_1", "relu2_1", "relu3_1")


def halves(height: int, width: int, edge: float = 1.0) -> torch.Tensor:
    """(1, 1, H, W): 1 on the left half, 0 on the right, ramping over ``edge`` px at the middle."""
    columns = torch.arange(width, dtype=torch.float32) + 0.5
    return ((width / 2 - columns) / edge + 0.5).clamp(0, 1).expand(1, 1, height, width).contiguous()


def gram_error(net, image: torch.Tensor, style: torch.Tensor) -> float:
    """Relative Gram error of ``image`` against ``style`` over a few layers."""
    with torch.no_grad():
        mine, theirs = net(image, list(LAYERS)), net(style, list(LAYERS))
    return sum(float((gram_matrix(mine[n]) - gram_matrix(theirs[n])).pow(2).sum()
                     / gram_matrix(theirs[n]).pow(2).sum()) for n in LAYERS)


def gradient_energy(image: torch.Tensor) -> torch.Tensor:
    """(H - 1, W - 1) squared RGB differences to the right and below neighbours."""
    dx = (image[..., :, 1:] - image[..., :, :-1]).pow(2).sum(1)[0, :-1]
    dy = (image[..., 1:, :] - image[..., :-1, :]).pow(2).sum(1)[0, :, :-1]
    return dx + dy


@pytest.mark.parametrize("style_loss_name", ["gram", "sliced-wasserstein"])
def test_each_region_takes_its_own_style(vgg19, photo, mosaic, brick, style_loss_name):
    height, width = photo.shape[-2:]
    left = halves(height, width).to(photo.device)
    config = TransferConfig(scales=1, iterations=40, style_loss=style_loss_name)
    out = transfer_tensor(vgg19, photo, [mosaic, brick], config, seed=0, regions=Regions.of([left, 1 - left]))
    quarter = width // 4
    on_left, on_right = out[..., :quarter], out[..., -quarter:]  # away from the edge
    assert gram_error(vgg19, on_left, mosaic) < gram_error(vgg19, on_left, brick)
    assert gram_error(vgg19, on_right, brick) < gram_error(vgg19, on_right, mosaic)


def test_a_mask_of_all_black_leaves_the_photo(vgg19, content, mosaic):
    black = torch.zeros(1, 1, *content.shape[-2:], device=content.device)
    out = transfer_tensor(vgg19, content, [mosaic], SMALL, seed=0, regions=Regions.of([black]))
    assert (out - content).abs().max() < 1e-5


def test_a_soft_edge_blends_the_styles_without_a_seam(vgg19, photo, mosaic, brick):
    """Along the edge, texture is no stronger than elsewhere (a seam would be), and as strong as a crossfade of the
    two styles' pictures (where a halo would be weaker)."""
    height, width = photo.shape[-2:]
    left = halves(height, width, edge=24).to(photo.device)
    blended = transfer_tensor(vgg19, photo, [mosaic, brick], SMALL, seed=0, regions=Regions.of([left, 1 - left]))
    one, other = (transfer_tensor(vgg19, photo, [style], SMALL, seed=0) for style in (mosaic, brick))
    pasted = torch.where(left > 0.5, one, other)
    crossfade = torch.lerp(other, one, left)
    middle = slice(width // 2 - 3, width // 2 + 3)

    def along_edge_over_elsewhere(image):
        energy = gradient_energy(image)
        elsewhere = torch.cat([energy[:, 8:width // 2 - 12], energy[:, width // 2 + 12:-8]], dim=1)
        return float(energy[:, middle].mean() / elsewhere.mean())

    assert along_edge_over_elsewhere(pasted) > 1.05  # what a seam measures like
    assert along_edge_over_elsewhere(blended) < 1.0
    assert along_edge_over_elsewhere(blended) > 0.8 * along_edge_over_elsewhere(crossfade)


@pytest.mark.parametrize("style_loss_name", ["gram", "sliced-wasserstein"])
def test_tiled_regions_equal_untiled_ones(vgg19, photo, mosaic, brick, style_loss_name):
    height, width = photo.shape[-2:]
    left = halves(height, width, edge=9).to(photo.device)
    style_mask = torch.zeros(1, 1, *mosaic.shape[-2:])
    style_mask[..., mosaic.shape[-2] // 2:, :] = 1
    regions = Regions.of([left, 1 - left], (style_mask, None))
    x = (photo + 0.1 * torch.randn(photo.shape, generator=make_generator(0)).to(photo.device)).clamp(0, 1)
    results = []
    for tile in (0, 32):
        config = TransferConfig(tile=tile, style_loss=style_loss_name)
        targets = compute_targets(vgg19, photo, [mosaic, brick], config, (1.0, 1.0), (height, width),
                                  statistic=style_statistic(vgg19, config, seed=1), regions=regions)
        results.append(evaluate(vgg19, x, targets, config))
    (whole, whole_gradient), (tiled, tiled_gradient) = results
    assert (tiled_gradient - whole_gradient).norm() / whole_gradient.norm() < 1e-4
    for part, reference in zip(tiled, whole):
        torch.testing.assert_close(part, reference, rtol=1e-4, atol=1e-7)


def test_a_mask_of_all_white_is_the_plain_style_loss(vgg19, photo, mosaic):
    layers = tuple((name, 1.0) for name in LAYERS)
    with torch.no_grad():
        feats, style = vgg19(photo, list(LAYERS)), vgg19(mosaic, list(LAYERS))
    targets = {name: gram_matrix(style[name]) for name in LAYERS}
    white = torch.ones(1, 1, *photo.shape[-2:], device=photo.device)
    weights = RegionWeights.of(white, {name: vgg19.spec(name).stride for name in LAYERS}, (1.0,))
    rows = {name: positions_by_channels(feats[name]) for name in LAYERS}
    torch.testing.assert_close(region_style_loss(rows, targets, weights, layers), style_loss(feats, targets, layers))


def test_masks_keep_each_region_s_share_at_every_layer(vgg19):
    """Average pooling: a region covering a third of the image has a third of every layer's positions' weight."""
    mask = torch.zeros(1, 1, 96, 96)
    mask[..., :, :32] = 1
    weights = RegionWeights.of(torch.cat([mask, 1 - mask]),
                               {name: vgg19.spec(name).stride for name in ("relu1_1", "relu3_1", "relu5_1")}, (1, 1))
    for shares in weights.shares.values():
        torch.testing.assert_close(shares, torch.tensor([1 / 3, 2 / 3]))


def test_a_style_mask_takes_the_style_from_that_part_of_the_style_image(vgg19, photo, mosaic, brick):
    both = torch.cat([mosaic, brick[..., :mosaic.shape[-2], :]], dim=-1)  # mosaic on the left, brick on the right
    right = torch.zeros(1, 1, *both.shape[-2:])
    right[..., mosaic.shape[-1]:] = 1
    everywhere = torch.ones(1, 1, *photo.shape[-2:])
    config = TransferConfig(scales=1, iterations=40)
    out = transfer_tensor(vgg19, photo, [both], config, seed=0, regions=Regions.of([everywhere], (right,)))
    assert gram_error(vgg19, out, brick) < gram_error(vgg19, out, mosaic)


def test_a_dream_mask_keeps_the_dream_off_the_rest(vgg19, photo):
    height, width = photo.shape[-2:]
    left = halves(height, width).to(photo.device)
    out = dream_tensor(vgg19, photo, DreamConfig(octaves=2, iterations=3, layers="relu3_1"), seed=0, mask=left)
    change = (out - photo).abs()
    assert change[..., : width // 2 - 8].mean() > 0.01
    assert change[..., width // 2 + 8:].max() < 1e-4


def test_masks_are_taken_as_paths_images_or_tensors_alike(vgg19, tmp_path, data_dir):
    picture = read_image(data_dir / "chelsea.png", size=48)
    left = halves(picture.height, picture.width)
    path = tmp_path / "left.png"
    Image.fromarray((left[0, 0].numpy() * 255).round().astype(np.uint8)).save(path)
    outputs = [np.asarray(transfer(data_dir / "chelsea.png", [data_dir / "mosaic.jpg", data_dir / "brick.png"],
                                   masks=[mask, inverse], size=48, seed=2, scales=1, iterations=5, backbone=vgg19))
               for mask, inverse in ((path, 1 - left), (Image.open(path), 1 - left), (left, 1 - left))]
    assert np.array_equal(outputs[0], outputs[1]) and np.array_equal(outputs[0], outputs[2])
    result = dream(data_dir / "chelsea.png", mask=path, size=48, seed=1, octaves=1, iterations=2, backbone=vgg19)
    assert result.info["dreamstyle"]["mask"] == "left.png"


@pytest.fixture()
def mask_files(tmp_path, data_dir):
    picture = read_image(data_dir / "chelsea.png")
    left = (halves(picture.height, picture.width)[0, 0].numpy() * 255).astype(np.uint8)
    Image.fromarray(left).save(tmp_path / "left.png")
    Image.fromarray(255 - left).save(tmp_path / "right.png")
    Image.fromarray(left[:, :100]).save(tmp_path / "narrow.png")
    return tmp_path


def test_transfer_masks_on_the_command_line_are_recorded(vgg19, mask_files, data_dir):
    output = mask_files / "out.png"
    result = run("transfer", str(data_dir / "chelsea.png"), str(data_dir / "mosaic.jpg"), str(data_dir / "brick.png"),
                 "--masks", f"{mask_files / 'left.png'},{mask_files / 'right.png'}", "--size", "48", "--scales", "1",
                 "--iterations", "3", "-o", str(output), "-q")
    assert result.exit_code == 0, result.output
    assert read_metadata(output)["masks"] == ["left.png", "right.png"]


@pytest.mark.parametrize("masks, fragments", [
    ("left.png", ("--masks", "1 mask for 2 style images")),
    ("left.png,narrow.png", ("narrow.png", "same shape", "may be any size", "width to height 1.50 (this one 0.33)")),
    ("left.png,missing.png", ("missing.png", "no such file")),
    (".,right.png", ("a folder of masks is for a clip",)),
])
def test_bad_masks_get_one_clear_line(mask_files, data_dir, masks, fragments, monkeypatch):
    monkeypatch.chdir(mask_files)
    result = run("transfer", str(data_dir / "chelsea.png"), str(data_dir / "mosaic.jpg"), str(data_dir / "brick.png"),
                 "--masks", masks, "--size", "48", "-o", "out.png")
    assert_one_error_line(result, *fragments)
    assert not (mask_files / "out.png").exists()


def test_a_folder_of_masks_needs_one_per_frame(mask_files, data_dir, monkeypatch):
    frames, masks = mask_files / "frames", mask_files / "masks"
    frames.mkdir()
    masks.mkdir()
    photo = Image.open(data_dir / "chelsea.png").resize((48, 32))
    for index in range(3):
        photo.save(frames / f"f{index}.png")
    for index in range(2):
        Image.new("L", (48, 32), 255).save(masks / f"m{index}.png")
    result = run("dream", str(frames), "--mask", str(masks), "-o", str(mask_files / "out"))
    assert_one_error_line(result, "2 masks for 3 frames")
