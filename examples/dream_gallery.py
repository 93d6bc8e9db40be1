"""Build the DeepDream gallery shown in the README: every built-in preset on sample photos.

    python examples/dream_gallery.py [--size 384] [-o examples/gallery/dream_presets.jpg]

The photos (chelsea.png, coffee.png, rocket.jpg) ship with the repository, in
tests/data and examples/photos, so a fresh clone makes the sheet the README
shows: one row per photo, one column per preset. The backbone is loaded once.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from PIL import Image, ImageDraw

from dreamstyle import load_backbone
from dreamstyle.deepdream import dream
from dreamstyle.imaging import picture_from_pil, picture_to_pil, read_image, write_image
from dreamstyle.presets import builtin_presets

HERE = Path(__file__).resolve().parent
PHOTOS = ("chelsea.png", "coffee.png", "rocket.jpg")
PHOTO_FOLDERS = (HERE / "photos", HERE.parent / "tests" / "data")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=384)
    parser.add_argument("-o", "--output", type=Path, default=HERE / "gallery" / "dream_presets.jpg")
    args = parser.parse_args()
    photos = [next(path for folder in PHOTO_FOLDERS if (path := folder / name).is_file()) for name in PHOTOS]
    net = load_backbone("vgg19")
    presets = [preset.name for preset in builtin_presets("dream")]
    rows = []
    for photo in photos:
        original = picture_to_pil(read_image(photo, args.size))
        row = [("original", original)]
        for preset in presets:
            print(f"{photo.name}: {preset}")
            row.append((preset, dream(photo, preset=preset, size=args.size, seed=1, backbone=net)))
        rows.append(row)
    write_image(picture_from_pil(sheet(rows)), args.output, overwrite=True)
    print(f"wrote {args.output}")


def sheet(rows: list[list[tuple[str, Image.Image]]], thumb: int = 240) -> Image.Image:
    """A grid: one row per photo, one column per preset, labelled."""
    cell_w = thumb
    cell_h = max(round(image.height * thumb / image.width) for row in rows for _, image in row) + 18
    canvas = Image.new("RGB", (cell_w * len(rows[0]), cell_h * len(rows)), (20, 20, 20))
    draw = ImageDraw.Draw(canvas)
    for r, row in enumerate(rows):
        for c, (label, image) in enumerate(row):
            small = image.convert("RGB").resize((thumb, round(image.height * thumb / image.width)), Image.LANCZOS)
            canvas.paste(small, (c * cell_w, r * cell_h + 18))
            draw.text((c * cell_w + 4, r * cell_h + 3), label, fill=(235, 235, 235))
    return canvas


if __name__ == "__main__":
    main()
