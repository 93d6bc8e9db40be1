"""Style and content error of a transfer, and its wall time: the default preset against 1000
steps of single-scale L-BFGS, both at 512 px.

    python benchmarks/transfer_quality.py [--content PATH] [--style PATH] [--size 512] [--steps 1000]
                                          [--baseline-inits content noise] [--skip-default] [--keep DIR]
                                          [--long-default FACTOR] [--trace N] [--instant]

The baselines use the default preset's weights and start from the content
image (dreamstyle's default) and from noise (neural-style's default).

Errors are measured the same way for every output, with the fp32 VGG19:
- style error: mean over relu1_1 .. relu5_1 of ||G(output) - G(style)|| / ||G(style)||,
  G the Gram matrix, the style image seen at the output's size;
- content error: ||F(output) - F(content)|| / ||F(content)|| at relu4_2.
Lower is better for both. Prints a Markdown table, with the L-BFGS iterations
each run really made (a scale ends early once L-BFGS cannot go lower) and the
process's peak resident memory during each run, which includes the two
backbones this script holds (the judge is an fp32 VGG19 of about 0.55 GiB).

``--long-default F`` adds the default preset with F times ``iterations`` at
its last scale. ``--trace N`` measures both errors every N iterations of each
run's last scale (the measuring is left out of the times) and prints a second
table: how long each run took to reach at least the quality (both errors) of
each other run's result, and its errors at the default's time. ``--instant``
adds the instant preset (one feed-forward pass) and the default started from
its picture (``init="instant"``).
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

DEFAULT_RUN = "default preset (classic)"


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


def reset_peak_memory() -> None:
    """Start the process's peak resident memory (VmHWM) afresh (Linux >= 4.0; elsewhere a no-op)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def peak_memory_gib() -> float:
    """The process's peak resident memory since the last reset, in GiB (nan where /proc is missing)."""
    try:
        status = Path("/proc/self/status").read_text().splitlines()
    except OSError:
        return float("nan")
    return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 2**20


class Watch:
    """A transfer callback: counts the iterations really made, over all scales, and traces the errors.

    With ``every`` > 0 it measures (style error, content error) of the last
    scale's image every ``every`` iterations made (and at the scale's end),
    with ``judge_errors``. :attr:`seconds` is the run's time without that measuring.
    """

    def __init__(self, judge_errors=None, every: int = 0) -> None:
        self.made: dict[int, int] = {}
        self.judge_errors, self.every = judge_errors, every
        self.trace: list[tuple[float, float, float]] = []  # (seconds, style error, content error)
        self.judging = 0.0
        self.start = time.perf_counter()
        self.traced_at = None

    def __call__(self, progress) -> None:
        self.made[progress.scale] = progress.iterations_made
        last_scale = progress.scale == progress.scales - 1
        due = self.traced_at is None or progress.iterations_made - self.traced_at >= self.every
        if self.every and last_scale and (due or progress.iteration == progress.iterations):
            seconds = self.seconds
            started = time.perf_counter()
            self.trace.append((seconds, *self.judge_errors(progress.image.detach().clamp(0.0, 1.0).float())))
            self.judging += time.perf_counter() - started
            self.traced_at = progress.iterations_made

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.start - self.judging

    @property
    def total(self) -> int:
        return sum(self.made.values())

    def reached(self, style_error: float, content_error: float) -> float | None:
        """Seconds until the traced image was at least as good in both errors, or None if it never was."""
        return next((s for s, style, content in self.trace if style <= style_error and content <= content_error), None)

    def at(self, seconds: float) -> tuple[float, float] | None:
        """The errors of the last traced image at or before ``seconds``, or None if none was."""
        before = [(style, content) for s, style, content in self.trace if s <= seconds]
        return before[-1] if before else None


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
    parser.add_argument("--long-default", type=float, metavar="FACTOR",
                        help="also run the default with FACTOR x iterations at its last scale")
    parser.add_argument("--instant", action="store_true",
                        help="also run the instant preset, and the default started from its picture")
    parser.add_argument("--trace", type=int, default=0, metavar="N",
                        help="measure the errors every N iterations of each run's last scale")
    args = parser.parse_args()

    judge = load_backbone(device="cpu", precision="fp32")
    net = load_backbone(precision=args.precision)
    content = as_picture(args.content, args.size).batch()
    style = as_picture(args.style).batch()
    runs = {} if args.skip_default else {DEFAULT_RUN: {}}
    if args.long_default:
        runs[f"default preset, last scale {args.long_default:g} x iterations"] = {
            "final_iterations_factor": args.long_default}
    if args.instant:
        from dreamstyle.instant import load_network

        for name in ("predictor", "arbitrary"):  # read once, as a session would have them
            load_network(name, net.device)
        runs["instant preset"] = {"preset": "instant"}
        runs["default preset, init instant"] = {"init": "instant"}
    for init in args.baseline_inits:
        runs[f"single scale, {args.steps} L-BFGS steps, init {init}"] = {"scales": 1, "iterations": args.steps,
                                                                          "init": init}
    print(f"machine: {machine()}; "
          f"precision {net.precision}; {args.content.name} in the style of {args.style.name} at {args.size} px")
    print("| run | iterations made | seconds | peak memory (GiB) | style error | content error |")
    print("|---|---|---|---|---|---|")
    watches, results = {}, {}
    for number, (label, settings) in enumerate(runs.items()):
        reset_peak_memory()
        watch = Watch(lambda image: errors(judge, image, content, style), args.trace)
        image = transfer(content, style, size=args.size, seed=0, backbone=net, callback=watch, **settings)
        seconds, peak = watch.seconds, peak_memory_gib()
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            image.save(args.keep / f"run{number}.png")
        style_error, content_error = errors(judge, as_picture(image).batch(), content, style)
        watch.trace.append((seconds, style_error, content_error))  # the saved result, as the table has it
        watches[label], results[label] = watch, (seconds, style_error, content_error)
        print(f"| {label} | {watch.total} | {seconds:.1f} | {peak:.2f} | {style_error:.4f} | {content_error:.4f} |",
              flush=True)
    if args.trace:
        print_time_to_quality(watches, results)


def print_time_to_quality(watches: dict[str, Watch], results: dict[str, tuple[float, float, float]]) -> None:
    """The traced runs against each other: seconds to reach each result's errors, and errors at the default's time."""
    default = results.get(DEFAULT_RUN)
    header = " | ".join(f"reaches {label} (s)" for label in results)
    print(f"\n| run | {header} |" + (" errors at the default's time |" if default else ""))
    print("|---|" + "---|" * (len(results) + bool(default)))
    for label, watch in watches.items():
        cells = []
        for target, (_, style_error, content_error) in results.items():
            seconds = watch.reached(style_error, content_error)
            cells.append("-" if target == label else ("never" if seconds is None else f"{seconds:.1f}"))
        if default:
            at = watch.at(default[0])
            cells.append("-" if at is None else f"{at[0]:.4f} / {at[1]:.4f}")
        print(f"| {label} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
