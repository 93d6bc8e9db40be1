"""Build the style-transfer gallery shown in the README: each preset and both colour modes.

    python examples/transfer_gallery.py [IMAGES_FOLDER] [--size 256]

IMAGES_FOLDER defaults to the shared sample images beside the repository
(../shared/images), falling back to tests/data. Writes the contact sheet
examples/gallery/transfer_presets.jpg: one row per style image (mosaic by default), one column per
preset or colour mode. The backbone is loaded once. Add style names to STYLES for more rows.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from dream_gallery import sheet

from dreamstyle import load_backbone, transfer
from dreamstyle.imaging import picture_from_pil, picture_to_pil, read_image, write_image
from dreamstyle.presets import builtin_presets

HERE = Path(__file__).resolve().parent
CONTENT = "chelsea.png"
STYLES = ("mosaic.jpg",)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("images", type=Path, nargs="?", default=HERE.parent.parent / "shared" / "images")
    parser.add_argument("--size", type=int, default=256)
    args = parser.parse_args()
    folder = args.images if (args.images / CONTENT).is_file() else HERE.parent / "tests" / "data"
    styles = [folder / name for name in STYLES if (folder / name).is_file()]
    content = folder / CONTENT
    net = load_backbone("vgg19")
    variants = [(preset.name, {"preset": preset.name}) for preset in builtin_presets("transfer")]
    variants += [("classic + luminance", {"preserve_colors": "luminance"}),
                 ("classic + match", {"preserve_colors": "match"})]
    rows = []
    for style in styles:
        row = [(f"style: {style.stem}", picture_to_pil(read_image(style, args.size)))]
        for label, settings in variants:
            print(f"{style.name}: {label}", flush=True)
            row.append((label, transfer(content, style, size=args.size, seed=1, backbone=net, **settings)))
        rows.append(row)
    path = write_image(picture_from_pil(sheet(rows, thumb=200)), HERE / "gallery" / "transfer_presets.jpg",
                       overwrite=True)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
