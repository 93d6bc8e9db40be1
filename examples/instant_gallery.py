"""Build the instant-style galleries shown in docs/transfer.md: instant against Gatys, and the 26 built-in styles.

    python examples/instant_gallery.py [IMAGES_FOLDER] [--size 320]

IMAGES_FOLDER defaults to the shared sample images beside the repository
(../shared/images), falling back to tests/data. Writes:
- examples/gallery/instant.jpg: one row per photo and painting; the style, the
  instant picture (strength 1 and 0.6), the default Gatys picture started from
  the instant one (``init="instant"``) and the default from the photo, each
  labelled with its seconds on this machine;
- examples/gallery/instant_styles.jpg: the first photo in each of the 26 built-in styles.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from dream_gallery import sheet

from dreamstyle import load_backbone, transfer
from dreamstyle.imaging import picture_from_pil, picture_to_pil, read_image, write_image
from dreamstyle.preset_sheet import builtin_style_sheet

HERE = Path(__file__).resolve().parent
PAIRS = (("chelsea.png", "mosaic.jpg"), ("astronaut.png", "candy.jpg"), ("coffee.png", "udnie.jpg"))
VARIANTS = (("instant", {"preset": "instant"}), ("instant, strength 0.6", {"preset": "instant",
                                                                          "instant_strength": 0.6}),
            ("default from instant", {"init": "instant"}), ("default", {}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("images", type=Path, nargs="?", default=HERE.parent.parent / "shared" / "images")
    parser.add_argument("--size", type=int, default=320)
    args = parser.parse_args()
    folder = args.images if (args.images / PAIRS[1][0]).is_file() else HERE.parent / "tests" / "data"
    pairs = [(folder / photo, folder / style) for photo, style in PAIRS if (folder / photo).is_file()
             and (folder / style).is_file()]
    net = load_backbone("vgg19")
    rows = []
    for photo, style in pairs:
        row = [(f"style: {style.stem}", picture_to_pil(read_image(style, args.size)))]
        for label, settings in VARIANTS:
            print(f"{photo.name} / {style.name}: {label}", flush=True)
            started = time.perf_counter()
            made = transfer(photo, style, size=args.size, seed=1, backbone=net, **settings)
            row.append((f"{label}, {time.perf_counter() - started:.1f} s", made))
        rows.append(row)
    path = write_image(picture_from_pil(sheet(rows, thumb=240)), HERE / "gallery" / "instant.jpg", overwrite=True)
    print(f"wrote {path}")
    styles = builtin_style_sheet(read_image(pairs[0][0]), size=200)
    path = write_image(picture_from_pil(styles), HERE / "gallery" / "instant_styles.jpg", overwrite=True)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
