"""Build the README's galleries of regions, photorealistic transfer and the two style statistics.

    python examples/regions_photo_gallery.py [--size 192]

Uses only images in the repository (tests/data) and writes three contact sheets:

- examples/gallery/regions.jpg: two styles on the two halves of a photo through
  soft masks (made here), and a dream confined to a soft disc;
- examples/gallery/photo.jpg: a photo in another photo's light, painted by the
  classic preset and kept a photograph by the photo preset, with the edge
  correlation and colour shift of each;
- examples/gallery/statistics.jpg: the same pairs under the Gram and the sliced
  Wasserstein style loss, each output labelled with its error under both
  measures (relative Gram error, relative sliced Wasserstein cost with
  directions from a seed the runs did not use).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch
from dream_gallery import sheet

from dreamstyle import dream, load_backbone, transfer
from dreamstyle.imaging import as_picture, picture_from_pil, picture_to_pil, read_image, write_image
from dreamstyle.styletransfer import TransferConfig
from dreamstyle.styletransfer.engine import compute_targets, losses, style_statistic
from dreamstyle.styletransfer.photo import colour_shift, edge_correlation

HERE = Path(__file__).resolve().parent
DATA = HERE.parent / "tests" / "data"
JUDGE_SEED = 12345  # the sliced Wasserstein measure's directions: not the runs' seed


def soft_halves(height: int, width: int, edge: float) -> torch.Tensor:
    """(1, 1, H, W): 1 on the left, 0 on the right, ramping over ``edge`` px at the middle."""
    columns = torch.arange(width, dtype=torch.float32) + 0.5
    return ((width / 2 - columns) / edge + 0.5).clamp(0, 1).expand(1, 1, height, width).contiguous()


def soft_disc(height: int, width: int) -> torch.Tensor:
    """(1, 1, H, W): 1 inside a disc at the centre, fading to 0 over a sixth of the shorter side."""
    rows = torch.arange(height, dtype=torch.float32)[:, None] - height / 2
    columns = torch.arange(width, dtype=torch.float32)[None] - width / 2
    radius = min(height, width) / 3
    distance = (rows ** 2 + columns ** 2).sqrt()
    return ((radius - distance) / (radius / 2) + 0.5).clamp(0, 1)[None, None]


def style_errors(net, output, style) -> tuple[float, float]:
    """(relative Gram error, relative sliced Wasserstein cost) of ``output`` (1, 3, H, W) against ``style``."""
    size = tuple(output.shape[-2:])
    errors = []
    for statistic in ("gram", "sliced-wasserstein"):
        config = TransferConfig(style_loss=statistic, style_weight=1.0, tile=0)
        targets = compute_targets(net, output, [style], config, (1.0,), size,
                                  statistic=style_statistic(net, config, JUDGE_SEED))
        with torch.no_grad():
            errors.append(float(losses(net, output.to(net.device), targets, config).style))
    return errors[0], errors[1]


def regions_sheet(net, size: int) -> Path:
    photo = read_image(DATA / "chelsea.png", size)
    left = soft_halves(photo.height, photo.width, edge=photo.width / 6)
    styles = [DATA / "mosaic.jpg", DATA / "brick.png"]
    masks_image = picture_to_pil(as_picture(left.expand(1, 3, -1, -1)))
    both = transfer(photo, styles, masks=[left, 1 - left], seed=1, backbone=net)
    disc = soft_disc(photo.height, photo.width)
    dreamed = dream(photo, mask=disc, seed=1, backbone=net)
    row = [("photo", picture_to_pil(photo)), ("mask: mosaic | brick", masks_image),
           ("two styles, soft edge", both),
           ("dream mask", picture_to_pil(as_picture(disc.expand(1, 3, -1, -1)))), ("dream in the disc", dreamed)]
    return write_image(picture_from_pil(sheet([row], thumb=200)), HERE / "gallery" / "regions.jpg", overwrite=True)


def photo_sheet(net, size: int) -> tuple[Path, list[str]]:
    rows, lines = [], []
    for content_name, style_name in (("amber.jpg", "rocket.jpg"), ("rocket.jpg", "amber.jpg")):
        content, style = read_image(DATA / content_name, size), read_image(DATA / style_name, size)
        row = [(f"photo: {content_name}", picture_to_pil(content)), (f"style: {style_name}", picture_to_pil(style))]
        for preset in ("classic", "photo"):
            out = transfer(content, style, preset=preset, seed=1, backbone=net)
            batch = as_picture(out).batch()
            edges, colours = edge_correlation(batch, content.batch()), colour_shift(batch, content.batch(),
                                                                                    style.batch())
            lines.append(f"{content_name} -> {style_name}, {preset}: edge correlation {edges:.3f}, "
                         f"colour shift {colours:.2f}")
            print(lines[-1], flush=True)
            row.append((f"{preset}: edges {edges:.3f} colour {colours:.2f}", out))
        rows.append(row)
    return write_image(picture_from_pil(sheet(rows, thumb=200)), HERE / "gallery" / "photo.jpg",
                       overwrite=True), lines


def statistics_sheet(net, size: int) -> tuple[Path, list[str]]:
    rows, lines = [], []
    photo = read_image(DATA / "chelsea.png", size)
    for style_name in ("mosaic.jpg", "brick.png"):
        style = read_image(DATA / style_name, size)
        row = [("photo", picture_to_pil(photo)), (f"style: {style_name}", picture_to_pil(style))]
        for statistic in ("gram", "sliced-wasserstein"):
            out = transfer(photo, style, style_loss=statistic, seed=1, backbone=net)
            gram, sliced = style_errors(net, as_picture(out).batch().to(net.device), style.batch().to(net.device))
            lines.append(f"chelsea x {style_name}, {statistic}: Gram error {gram:.3f}, sliced Wasserstein {sliced:.3f}")
            print(lines[-1], flush=True)
            row.append((f"{statistic}: G {gram:.2f} SW {sliced:.2f}", out))
        rows.append(row)
    return write_image(picture_from_pil(sheet(rows, thumb=200)), HERE / "gallery" / "statistics.jpg",
                       overwrite=True), lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=192)
    args = parser.parse_args()
    net = load_backbone("vgg19")
    print(f"wrote {regions_sheet(net, args.size)}", flush=True)
    for make in (photo_sheet, statistics_sheet):
        path, _ = make(net, args.size)
        print(f"wrote {path}", flush=True)


if __name__ == "__main__":
    main()
