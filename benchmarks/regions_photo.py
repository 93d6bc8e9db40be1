"""Seconds and peak memory of regions and photorealistic transfer at 512 px against the default transfer,
and what the photo preset's two tools cost alone at 512 and 1024 px.

    python benchmarks/regions_photo.py

Every run is a fresh `dreamstyle transfer` process (model loading included), one after the other, so
the figures compare side by side on one machine. The masks are made here: the left and right halves
of the content with a soft edge.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np
from measure import DATA, machine, run_dreamstyle, run_python
from PIL import Image

from dreamstyle.imaging import as_picture, read_image
from dreamstyle.runs import RunRequest
from dreamstyle.styletransfer.photo import colour_shift, edge_correlation

SIZE = 512
# The photo preset's guided-filter radius at 512 px (scaled with the size).
PRESET_RADIUS = RunRequest(preset="photo").resolve("transfer").config.guided_filter
# The photo pair at full size where the shared sample images sit beside the repository; tests/data's are
# reduced to 192 px, and upscaled they would measure blur.
SHARED = DATA.parents[2] / "shared" / "images"
PHOTOS = SHARED if (SHARED / "amber.jpg").is_file() else DATA
COMPONENT = """
import sys, time, torch
from dreamstyle.imaging import read_image
from dreamstyle.imaging.guided_filter import guided_filter
from dreamstyle.styletransfer.photo import MattingLaplacian
torch.set_num_threads(torch.get_num_threads())
image = read_image(sys.argv[2], size=int(sys.argv[3])).batch()
start = time.perf_counter()
if sys.argv[1] == "matting":
    laplacian = MattingLaplacian(image)
    made = time.perf_counter()
    x = image.clone().requires_grad_(True)
    for _ in range(5):
        energy = laplacian.energy(x)
        (gradient,) = torch.autograd.grad(energy, x)
    print(f"seconds {made - start:.3f} {(time.perf_counter() - made) / 5:.3f}", file=sys.stderr)
else:
    guided_filter(image, image, round(int(sys.argv[4]) * max(image.shape[-2:]) / 512), 1e-2)
    print(f"seconds {time.perf_counter() - start:.3f}", file=sys.stderr)
"""


def halves(content: Path, folder: Path) -> tuple[Path, Path]:
    """Left and right masks of ``content``'s shape, with a soft edge a twelfth of the width wide."""
    width, height = Image.open(content).size
    columns = np.arange(width) + 0.5
    left = np.clip((width / 2 - columns) / (width / 12) + 0.5, 0, 1)
    left = np.repeat((left * 255).round().astype(np.uint8)[None], height, axis=0)
    paths = folder / "left.png", folder / "right.png"
    Image.fromarray(left).save(paths[0])
    Image.fromarray(255 - left).save(paths[1])
    return paths


def main() -> None:
    print(f"_{machine()}_\n")
    content, painting, other = DATA / "chelsea.png", DATA / "mosaic.jpg", DATA / "brick.png"
    photo, evening = PHOTOS / "amber.jpg", PHOTOS / "rocket.jpg"
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        left, right = halves(content, folder)
        runs = [
            ("default (classic, gram)", [content, painting], []),
            ("regions: two styles, soft halves", [content, painting, other], ["--masks", f"{left},{right}"]),
            ("--preset photo", [photo, evening], ["--preset", "photo"]),
        ]
        print(f"`dreamstyle transfer ... --size {SIZE} --seed 1 -q`, {SIZE} px:\n")
        print("| run | seconds | peak RSS | edge correlation | colour shift |\n|---|---|---|---|---|")
        for label, (source, *styles), extra in runs:
            output = folder / "out.png"
            process = run_dreamstyle("transfer", str(source), *map(str, styles), "--size", str(SIZE), "--seed", "1",
                                     "-q", "--force", "-o", str(output), *extra)
            quality = ""
            if source == photo:
                out = as_picture(output).batch()
                start = read_image(photo, SIZE).batch()
                quality = (f"{edge_correlation(out, start):.3f} | "
                           f"{colour_shift(out, start, read_image(evening).batch()):.2f}")
            else:
                quality = " | "
            print(f"| {label} | {process.seconds:.1f} | {process.peak_gib:.2f} GiB | {quality} |", flush=True)
        script = folder / "component.py"
        script.write_text(COMPONENT)
        print("\nThe photo preset's tools alone, on amber.jpg (fresh processes; RSS includes torch, ~0.3 GiB):\n")
        print("| tool | px | seconds | peak RSS |\n|---|---|---|---|")
        for size in (512, 1024):
            matting = run_python(str(script), "matting", str(photo), str(size))
            made, evaluation = matting.log.split()[-2:]
            print(f"| matting Laplacian: made / one energy and gradient | {size} | {made} / {evaluation} | "
                  f"{matting.peak_gib:.2f} GiB |")
            filtered = run_python(str(script), "filter", str(photo), str(size), str(PRESET_RADIUS))
            radius = round(PRESET_RADIUS * size / 512)
            print(f"| guided filter pass (radius {radius}) | {size} | {filtered.log.split()[-1]} | "
                  f"{filtered.peak_gib:.2f} GiB |", flush=True)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
