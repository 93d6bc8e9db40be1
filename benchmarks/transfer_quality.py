"""Style and content error of a transfer, and its wall time: the default preset against 1000
steps of single-scale L-BFGS, both at 512 px.

    python benchmarks/transfer_quality.py [--content PATH] [--style PATH] [--size 512] [--steps 1000]
                                          [--baseline-inits content noise] [--skip-default] [--keep DIR]

The baselines use the default preset's weights and start from the content
image (dreamstyle's default) and from noise (neural-style's default).

Errors are measured the same way for every output, with the fp32 VGG19:
- style error: mean over relu1_1 .. relu5_1 of ||G(output) - G(style)|| / ||G(style)||,
  G the Gram matrix, the style image seen at the output's size;
- content error: ||F(output) - F(content)|| / ||F(content)|| at relu4_2.
Lower is better for both. Prints a Markdown table, with the L-BFGS iterations
each run really made: a scale ends early once L-BFGS cannot go lower.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

from measure import DATA, machine

from dreamstyle import load_backbone, transfer
from dreamstyle.imaging import as_picture, fit_longest_side, resize
from dreamstyle.styletransfer.config import STYLE_LAYERS
from dreamstyle.styletransfer.losses import gram_matrix


def errors(judge, output, content, style) -> tuple[float, float]:
    """(style error, content error) of ``output`` (all (1, 3, H, W) in [0, 1])."""
    style_layers = STYLE_LAYERS.split(",")
    style = resize(style, fit_longest_side(style.shape[-2], style.shape[-1], max(output.shape[-2:])))
    with torch.no_grad():
        out_feats = judge(output, style_layers + ["relu4_2"])
        style_feats = judge(style, style_layers)
        content_feats = judge(content, ["relu4_2"])
    style_error = sum(
        ((gram_matrix(out_feats[n]) - gram_matrix(style_feats[n])).norm() / gram_matrix(style_feats[n]).norm()).item()
        for n in style_layers
    ) / len(style_layers)
    content_error = ((out_feats["relu4_2"] - content_feats["relu4_2"]).norm() / content_feats["relu4_2"].norm()).item()
    return style_error, content_error


class IterationCount:
    """A transfer callback counting the iterations really made, over all scales."""

    def __init__(self) -> None:
        self.made: dict[int, int] = {}

    def __call__(self, progress) -> None:
        self.made[progress.scale] = progress.made

    @property
    def total(self) -> int:
        return sum(self.made.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--content", type=Path, default=DATA / "chelsea.png")
    parser.add_argument("--style", type=Path, default=DATA / "mosaic.jpg")
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--precision", default="auto")
    parser.add_argument("--baseline-inits", nargs="*", default=["content", "noise"])
    parser.add_argument("--skip-default", action="store_true")
    parser.add_argument("--keep", type=Path, help="folder to save each output in, to look at")
    args = parser.parse_args()

    judge = load_backbone(device="cpu", precision="fp32")
    net = load_backbone(precision=args.precision)
    content = as_picture(args.content, args.size).batch()
    style = as_picture(args.style).batch()
    runs = {} if args.skip_default else {"default preset (classic)": {}}
    for init in args.baseline_inits:
        runs[f"single scale, {args.steps} L-BFGS steps, init {init}"] = {"scales": 1, "iterations": args.steps,
                                                                          "init": init}
    print(f"machine: {machine()}; "
          f"precision {net.precision}; {args.content.name} in the style of {args.style.name} at {args.size} px")
    print("| run | iterations made | seconds | style error | content error |")
    print("|---|---|---|---|---|")
    for number, (label, settings) in enumerate(runs.items()):
        count = IterationCount()
        start = time.perf_counter()
        image = transfer(content, style, size=args.size, seed=0, net=net, callback=count, **settings)
        seconds = time.perf_counter() - start
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            image.save(args.keep / f"run{number}.png")
        style_error, content_error = errors(judge, as_picture(image).batch(), content, style)
        print(f"| {label} | {count.total} | {seconds:.1f} | {style_error:.4f} | {content_error:.4f} |", flush=True)


if __name__ == "__main__":
    main()
