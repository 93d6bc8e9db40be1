"""A clip in dreamstyle studio: seconds from submitting it to its first finished frame, and to the end.

    python benchmarks/studio_clip.py [--frames 6] [--size 192] [--repeats 2]
    PYTHONPATH=/path/to/other/checkout python benchmarks/studio_clip.py     # the same for another commit

The studio's backbone is loaded before the clock starts, as in a studio that has run a job already; each
clip is a dream of a panning crop of chelsea.png (default preset, seed 1) into a fresh outputs folder, so
nothing is continued. The job is submitted to the studio's queue directly, as the page's request would be.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from measure import DATA, machine
from PIL import Image

from dreamstyle.backbone import load_backbone
from dreamstyle.studio import Studio
from dreamstyle.studio.requests import work_of
from dreamstyle.studio.workspace import Workspace


def frames_folder(root: Path, count: int) -> Path:
    folder = root / "frames"
    folder.mkdir()
    photo = Image.open(DATA / "chelsea.png").convert("RGB")
    width, height = photo.size
    for index in range(count):
        photo.crop((index * 4, 0, index * 4 + width - 40, height)).save(folder / f"frame_{index:03d}.png")
    return folder


def one_clip(net, frames: Path, size: int, root: Path) -> tuple[float, float]:
    """(seconds to the first finished frame, seconds to the end) of one clip job."""
    workspace = Workspace.create(root, (frames,))
    studio = Studio(workspace, net)
    studio.queue.start()
    body = {"kind": "clip", "command": "dream", "input": str(frames), "size": size, "seed": 1}
    started = time.monotonic()
    job = studio.queue.submit(work_of(body, workspace, studio.backbone))
    first = None
    while job.state in ("queued", "running"):
        if first is None and job.progress.get("done", 0) >= 1:
            first = time.monotonic() - started
        time.sleep(0.02)
    total = time.monotonic() - started
    studio.queue.close()
    if job.state != "done":
        raise SystemExit(f"the clip ended {job.state}: {job.error}")
    return first if first is not None else total, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=6)
    parser.add_argument("--size", type=int, default=192)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    net = load_backbone("vgg19", device="cpu")
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        frames = frames_folder(root, args.frames)
        runs = [one_clip(net, frames, args.size, root / f"out{index}") for index in range(args.repeats)]
    print(f"_{machine()}; {args.frames} frames at {args.size} px, median of {args.repeats}_\n")
    print("| first frame (s) | whole clip (s) |\n|---|---|")
    print(f"| {statistics.median(r[0] for r in runs):.2f} | {statistics.median(r[1] for r in runs):.2f} |")


if __name__ == "__main__":
    main()
