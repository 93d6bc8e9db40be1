"""How each dream preset looks in numbers: burnt colour, depth of the dream, and time.

    python benchmarks/dream_look.py [--photos PATH ...] [--size 512] [--time-size 1024] [--presets ...]
                                    [--set KEY=VALUE ...]

For each preset and photo, at ``--size`` px with seed 1:
- clipped: the share of the output's 8-bit channel values at 0 or 255 (the
  photo's own share beside it): flat patches of pure primaries;
- energy gain at relu3_1, relu4_2 and relu5_1: the fp32 reference VGG19's
  mean squared activation of the output over the photo's, at the output's
  size. relu4_2 is what classic lifts; relu5_1 is where creature-like forms live;
- the seconds of that dream (the backbone loaded once, as in a session).
Then the seconds of each preset's dream of the first photo at ``--time-size`` px.
``--set`` passes extra settings to every dream (to try a change before a preset takes it).
The photos default to a portrait (../shared/images/amber.jpg beside the
repository, else tests/data/chelsea.png) and a landscape (examples/photos/rocket.jpg).
"""

from __future__ import annotations

import argparse
import ast
import time
from pathlib import Path

import torch
from measure import DATA, ROOT, machine

from dreamstyle import dream, load_backbone
from dreamstyle.imaging import as_picture, read_image
from dreamstyle.imaging.picture import to_uint8
from dreamstyle.presets import builtin_presets

LAYERS = ("relu3_1", "relu4_2", "relu5_1")
PORTRAIT = ROOT.parent / "shared" / "images" / "amber.jpg"


def clipped_share(picture) -> float:
    """Share of 8-bit channel values at 0 or 255."""
    values = to_uint8(as_picture(picture).batch()[0])
    return float(((values == 0) | (values == 255)).mean())


def energies(judge, picture) -> dict[str, float]:
    with torch.no_grad():
        feats = judge(as_picture(picture).batch(), list(LAYERS))
    return {name: float(feats[name].pow(2).mean()) for name in LAYERS}


def value(text: str):
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=Path, nargs="*",
                        default=[PORTRAIT if PORTRAIT.is_file() else DATA / "chelsea.png",
                                 ROOT / "examples" / "photos" / "rocket.jpg"])
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--time-size", type=int, default=1024, help="0 to skip the timed runs")
    parser.add_argument("--presets", nargs="*", default=[preset.name for preset in builtin_presets("dream")])
    parser.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE")
    args = parser.parse_args()
    extra = {key: value(text) for key, text in (item.split("=", 1) for item in args.set)}

    judge = load_backbone(device="cpu", precision="fp32")
    net = load_backbone()
    print(f"machine: {machine()}; precision {net.precision}; {args.size} px, seed 1"
          + (f"; settings {extra}" if extra else ""))
    print("\n| preset | photo | clipped % (photo's) | gain relu3_1 | gain relu4_2 | gain relu5_1 | seconds |")
    print("|---|---|---|---|---|---|---|")
    for preset in args.presets:
        for path in args.photos:
            photo = read_image(path, args.size)
            started = time.perf_counter()
            made = dream(photo, preset=preset, size=args.size, seed=1, backbone=net, **extra)
            seconds = time.perf_counter() - started
            before, after = energies(judge, photo), energies(judge, made)
            gains = " | ".join(f"{after[name] / before[name]:.2f}" for name in LAYERS)
            print(f"| {preset} | {path.name} | {100 * clipped_share(made):.1f} ({100 * clipped_share(photo):.1f}) "
                  f"| {gains} | {seconds:.1f} |", flush=True)
    if args.time_size:
        photo = read_image(args.photos[0], args.time_size)
        print(f"\n| preset | seconds at {args.time_size} px ({args.photos[0].name}) |\n|---|---|")
        for preset in args.presets:
            started = time.perf_counter()
            dream(photo, preset=preset, size=args.time_size, seed=1, backbone=net, **extra)
            print(f"| {preset} | {time.perf_counter() - started:.1f} |", flush=True)


if __name__ == "__main__":
    main()
