"""Clips: temporal stability (E_warp) per --temporal mode, seconds per frame, and peak memory vs clip length.

    python benchmarks/video.py [--frames 48] [--size 256] [--modes none blend flow]
                               [--transfer-args "--scales 2 --iterations 50"] [--memory 50 500] [--skip-quality]

A panning clip is cut from a shared photo (no download) and encoded at
30000/1001 fps. Each command runs as a separate `dreamstyle` process on it,
once per --temporal mode, with --report (the warping error of the result
and of the input clip, Lai et al. 2018). Peak memory (each process's own VmHWM) is then
measured for a short dream of a 64 px clip of each length in --memory.
Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import re
import shlex
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from measure import DATA, machine, run_dreamstyle
from PIL import Image

PHOTO = DATA / "chelsea.png"
STYLE = DATA / "mosaic.jpg"


def pan_frames(frames: int, width: int, height: int, step: float = 2.0) -> Iterator[Image.Image]:
    """The frames of a slow pan across the photo, ``step`` px per frame (sub-pixel steps resampled)."""
    photo = Image.open(PHOTO).convert("RGB")
    scale = max(height * 1.25 / photo.height, (width + step * frames) / photo.width)
    photo = photo.resize((round(photo.width * scale), round(photo.height * scale)), Image.Resampling.LANCZOS)
    top = (photo.height - height) // 2
    for index in range(frames):
        left = step * index
        box = (left, top, left + width, top + height)
        yield photo.transform((width, height), Image.Transform.EXTENT, box, Image.Resampling.BICUBIC)


def pan_clip(path: Path, frames: int, width: int, height: int, step: float = 2.0) -> Path:
    """:func:`pan_frames` encoded at 30000/1001 fps in H.264."""
    import imageio_ffmpeg  # here: benchmarks/gpu.py uses pan_frames where imageio-ffmpeg is missing

    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-v", "error", "-f", "rawvideo", "-pix_fmt", "rgb24",
               "-s", f"{width}x{height}", "-framerate", "30000/1001", "-i", "-", "-c:v", "libx264",
               "-pix_fmt", "yuv420p", "-crf", "12", str(path)]
    process = subprocess.Popen(command, stdin=subprocess.PIPE)
    for frame in pan_frames(frames, width, height, step):
        process.stdin.write(np.asarray(frame).tobytes())
    process.stdin.close()
    assert process.wait() == 0
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=48)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--modes", nargs="*", default=["none", "blend", "flow"])
    parser.add_argument("--commands", nargs="*", default=["dream", "transfer"])
    parser.add_argument("--dream-args", default="", help="extra dream flags, e.g. '--iterations 4'")
    parser.add_argument("--transfer-args", default="", help="extra transfer flags, e.g. '--scales 2'")
    parser.add_argument("--memory", type=int, nargs="*", default=[50, 500])
    parser.add_argument("--skip-quality", action="store_true")
    args = parser.parse_args()
    print(f"machine: {machine()}; {args.frames} frames at {args.size} px")
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        if not args.skip_quality:
            clip = pan_clip(folder / "pan.mp4", args.frames, args.size, args.size * 3 // 4)
            print("| command | --temporal | E_warp output | E_warp input | seconds / frame |")
            print("|---|---|---|---|---|")
            for command in args.commands:
                extra = shlex.split(args.dream_args if command == "dream" else args.transfer_args)
                for mode in args.modes:
                    target = [str(clip)] + ([str(STYLE)] if command == "transfer" else [])
                    process = run_dreamstyle(command, *target, "-o", str(folder / f"{command}_{mode}.mp4"),
                                             "--temporal", mode, "--report", "--seed", "1", "--size", str(args.size),
                                             *extra)
                    found = re.search(r"E_warp ([\d.e+-]+) \(input clip ([\d.e+-]+)", process.log)
                    print(f"| {command} {' '.join(extra)} | {mode} | {found.group(1)} | {found.group(2)} | "
                          f"{process.seconds / args.frames:.2f} |", flush=True)
        if args.memory:
            print("\n| frames (64 px dream, 1 step) | peak RSS MiB | seconds |")
            print("|---|---|---|")
            for frames in args.memory:
                clip = pan_clip(folder / f"m{frames}.mp4", frames, 64, 48, step=0.5)
                process = run_dreamstyle("dream", str(clip), "-o", str(folder / f"m{frames}_out.mp4"), "--iterations",
                                         "1", "--octaves", "1", "--frame-iterations", "1", "--report", "-q")
                print(f"| {frames} | {process.peak_gib * 1024:.0f} | {process.seconds:.0f} |", flush=True)


if __name__ == "__main__":
    main()
