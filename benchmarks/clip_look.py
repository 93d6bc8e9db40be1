"""Whether clips hold their look from the first frame to the last: dream strength, transfer style, zoom colour.

    python benchmarks/clip_look.py [--only dream transfer zoom] [--frames 48] [--size 160] [--step 2]
                                   [--zoom-frames 300] [--zoom-size 256] [--precision auto]

- dream: a panning clip dreamed with ``--temporal flow`` and ``none``. Per
  frame, the strength ``mean |output - input|`` (0-255); the spread of the
  frames around the clip's median; E_warp (Lai et al. 2018) of each; and the
  strength of the last frame's left quarter (in view from the start) and
  right quarter (what the pan reveals) against a still dream of that frame,
  and the seconds of each clip.
- transfer: the same clip painted in mosaic.jpg. Per frame, the style error
  (benchmarks/transfer_quality.py's measure), and the style error of the
  quarter the pan reveals (the right edge) against the same quarter of a
  still transfer of that frame; E_warp of ``flow`` and ``none``.
- zoom: a zoom animation of the photo; mean saturation (HSV S) and RMS
  contrast of the luminance of frames 1, 10, 100 and 300 (those that exist).

Everything runs in this process with one backbone. Prints Markdown tables.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Sequence

import numpy as np
import torch
from measure import DATA, machine
from PIL import Image
from transfer_quality import errors
from video import pan_frames

from dreamstyle import dream, dream_zoom, load_backbone, transfer
from dreamstyle.imaging import as_picture
from dreamstyle.video.api import dream_frames, transfer_frames
from dreamstyle.video.stability import warping_error

PHOTO = DATA / "chelsea.png"
STYLE = DATA / "mosaic.jpg"


def batch(image: Image.Image) -> torch.Tensor:
    return as_picture(image).batch()


def strength(output: torch.Tensor, frame: torch.Tensor) -> float:
    """Mean |output - input| in 0-255 levels."""
    return float((output - frame).abs().mean() * 255)


def spread(values: Sequence[float]) -> str:
    median = statistics.median(values)
    low, high = min(values) / median - 1, max(values) / median - 1
    return f"median {median:.3g}, {low:+.0%} .. {high:+.0%}"


def dream_section(net, frames: list[Image.Image]) -> None:
    inputs = [batch(frame) for frame in frames]
    last = len(frames) - 1
    still = batch(dream(frames[last], seed=1, backbone=net))
    rows = {}
    for mode in ("flow", "none"):
        started = time.perf_counter()
        outputs = [batch(image) for image in dream_frames(frames, temporal=mode, seed=1, backbone=net)]
        seconds = time.perf_counter() - started
        rows[mode] = ([strength(o, i) for o, i in zip(outputs, inputs)], warping_error(inputs, outputs),
                      [strength(part(outputs[last]), part(inputs[last])) for part in (left_quarter, right_quarter)],
                      seconds)
    quarters = [strength(part(still), part(inputs[last])) for part in (left_quarter, right_quarter)]
    print(f"\n### Dreamed clip: {len(frames)} frames, {frames[0].width}x{frames[0].height}, classic preset\n")
    print("| --temporal | strength per frame (0-255), frames 0, 1, 2, 5, 11, 23, 47 | spread | E_warp (input) | "
          "last frame's left / right quarter (a still's) | seconds |")
    print("|---|---|---|---|---|---|")
    for mode, (values, stability, (left, right), seconds) in rows.items():
        shown = ", ".join(f"{values[i]:.1f}" for i in (0, 1, 2, 5, 11, 23, 47) if i < len(values))
        print(f"| {mode} | {shown} | {spread(values)} | {stability.output:.3g} ({stability.input:.3g}) | "
              f"{left:.1f} ({quarters[0]:.1f}) / {right:.1f} ({quarters[1]:.1f}) | {seconds:.1f} |", flush=True)


def left_quarter(x: torch.Tensor) -> torch.Tensor:
    return x[..., :x.shape[-1] // 4]


def right_quarter(x: torch.Tensor) -> torch.Tensor:
    return x[..., x.shape[-1] * 3 // 4:]


def transfer_section(net, judge, frames: list[Image.Image]) -> None:
    inputs = [batch(frame) for frame in frames]
    style = batch(Image.open(STYLE).convert("RGB"))
    size = max(frames[0].size)
    last = len(frames) - 1
    still = batch(transfer(frames[last], STYLE, size=size, seed=1, backbone=net))
    still_quarter = errors(judge, right_quarter(still), right_quarter(inputs[last]), style)[0]
    print(f"\n### Transfer clip: {len(frames)} frames, {frames[0].width}x{frames[0].height}, classic preset, "
          f"mosaic.jpg\n")
    print("| --temporal | style error, frames 0, 1, 5, 11, 23, 47 | last / first | revealed quarter of the last "
          "frame / the same quarter of a still | E_warp (input) |")
    print("|---|---|---|---|---|")
    for mode in ("flow", "none"):
        outputs = [batch(image) for image in transfer_frames(frames, STYLE, temporal=mode, size=size, seed=1,
                                                             backbone=net)]
        style_errors = [errors(judge, o, i, style)[0] for o, i in zip(outputs, inputs)]
        quarter = errors(judge, right_quarter(outputs[last]), right_quarter(inputs[last]), style)[0]
        shown = ", ".join(f"{style_errors[i]:.3f}" for i in (0, 1, 5, 11, 23, 47) if i < len(style_errors))
        stability = warping_error(inputs, outputs)
        print(f"| {mode} | {shown} | {style_errors[last] / style_errors[0]:.2f} | {quarter:.3f} / "
              f"{still_quarter:.3f} = {quarter / still_quarter:.2f} | {stability.output:.3g} ({stability.input:.3g}) |",
              flush=True)


def colour_of(image: Image.Image) -> tuple[float, float]:
    """(mean HSV saturation, RMS contrast of the luminance), both in [0, 1]."""
    saturation = np.asarray(image.convert("HSV"))[..., 1].mean() / 255
    luminance = np.asarray(image.convert("L"), dtype=np.float64) / 255
    return float(saturation), float(luminance.std())


def zoom_section(net, frames: int, size: int, settings: dict) -> None:
    photo = Image.open(PHOTO).convert("RGB")
    wanted = [1, 10, 100, 300]
    found = {}
    for index, frame in enumerate(dream_zoom(photo, frames, size=size, seed=1, backbone=net, **settings), start=1):
        if index in wanted:
            found[index] = colour_of(frame)
    source = colour_of(photo.resize(frame.size, Image.Resampling.LANCZOS))
    label = " ".join(f"{key}={value}" for key, value in settings.items()) or "defaults"
    print(f"\n### Zoom: {frames} frames at {size} px, zoom 1.04, {label}\n")
    print("| frame | saturation | contrast |")
    print("|---|---|---|")
    print(f"| the photo | {source[0]:.3f} | {source[1]:.3f} |")
    for index, (saturation, contrast) in found.items():
        print(f"| {index} | {saturation:.3f} | {contrast:.3f} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=["dream", "transfer", "zoom"])
    parser.add_argument("--frames", type=int, default=48)
    parser.add_argument("--size", type=int, default=160)
    parser.add_argument("--step", type=float, default=2.0, help="px the pan moves per frame")
    parser.add_argument("--zoom-frames", type=int, default=300)
    parser.add_argument("--zoom-size", type=int, default=256)
    parser.add_argument("--zoom-settings", nargs="*", default=[], metavar="KEY=VALUE",
                        help="dream_zoom settings, e.g. keep_colour=0")
    parser.add_argument("--precision", default="auto")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    net = load_backbone(precision=args.precision)
    frames = list(pan_frames(args.frames, args.size, args.size * 3 // 4, args.step))
    if "dream" in args.only:
        dream_section(net, frames)
    if "transfer" in args.only:
        judge = load_backbone(device="cpu", precision="fp32")
        transfer_section(net, judge, frames)
    if "zoom" in args.only:
        settings = {key: float(value) for key, value in (item.split("=", 1) for item in args.zoom_settings)}
        zoom_section(net, args.zoom_frames, args.zoom_size, settings)


if __name__ == "__main__":
    main()
