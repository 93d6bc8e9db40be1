"""Render what five VGG19 layers see in a photo, through the Python API.

    python examples/layer_sheets.py [IMAGE] [OUTPUT_FOLDER]

Writes one contact sheet per layer (relu1_1 ... relu5_1): shallow layers
respond to edges and colours, deep ones to textures and object parts. The
backbone is loaded once and shared by every sheet.
"""

from __future__ import annotations

import sys
from pathlib import Path

from dreamstyle import activation_sheet, load_backbone
from dreamstyle.imaging import picture_from_pil, write_image

HERE = Path(__file__).resolve().parent
LAYERS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")


def main() -> None:
    image = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE.parent / "tests" / "data" / "chelsea.png"
    folder = Path(sys.argv[2]) if len(sys.argv) > 2 else HERE / "layer_sheets"
    net = load_backbone("vgg19")
    for layer in LAYERS:
        sheet = activation_sheet(image, net, layer=layer, count=16, size=384, tile_size=96)
        path = write_image(picture_from_pil(sheet), folder / f"{image.stem}_{layer}.png",
                           metadata={"layer": layer}, inputs=[image], overwrite=True)
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
