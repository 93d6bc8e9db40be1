"""Speed, memory and quality of both engines on this machine, written to benchmarks/RESULTS.md.

    python benchmarks/results.py [--sizes 256 512 1024 2048] [--precisions fp32 bf16]
                                 [--skip-steps] [--skip-presets] [--skip-compile]
                                 [--big-transfer 4096] [--big-dream 8192] [--keep DIR]
                                 [--output benchmarks/RESULTS.md]

Tables:
1. Seconds per step and peak memory, dream and transfer, at each size and
   precision. A dream step is one gradient-ascent step of the default preset's
   objective; a transfer step is one evaluation of the default objective and
   its gradient (an L-BFGS iteration costs one evaluation or a little more).
   Each cell is a separate process, so its peak RSS is its own.
2. End to end: every built-in preset through the CLI (dream at 1024 px,
   transfer at 512 px), with the style and content error of each transfer
   (see transfer_quality.py), and the default transfer in fp32 and bf16.
3. torch.compile: eager vs compiled seconds per step at 256 px, and the compile time.
4. Huge images (only when asked): a tiled transfer at --big-transfer px with
   a short schedule, its peak RSS and the seam ratio (see seams.py); a tiled
   dream at --big-dream px.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from measure import DATA, ROOT, machine, run_dreamstyle, run_python
from PIL import Image
from seams import seam_verdict
from transfer_quality import errors

from dreamstyle import load_backbone
from dreamstyle.deepdream.engine import dream_tensor
from dreamstyle.imaging import as_picture, read_image
from dreamstyle.presets import builtin_presets
from dreamstyle.runs import RunRequest
from dreamstyle.styletransfer.engine import compute_targets, evaluate

CONTENT = DATA / "chelsea.png"
STYLE = DATA / "mosaic.jpg"


def step_seconds(engine: str, precision: str, size: int, compile_net: bool = False) -> dict:
    """Seconds per step (the mean of two, after a first that warms up) of ``engine`` at ``size`` px, in this process."""
    net = load_backbone(device="cpu", precision=precision)
    started = time.perf_counter()
    if compile_net:
        net.compile()
    image = as_picture(CONTENT, size).batch()
    times: list[float] = []
    if engine == "dream":
        config = dataclasses.replace(RunRequest().resolve("dream").config, octaves=1, iterations=3)
        tiles: list[int] = []

        def record(progress) -> None:
            times.append(time.perf_counter())
            tiles.append(progress.tile)

        dream_tensor(net, image, config, seed=0, callback=record)
        tile = tiles[-1]
    else:
        config = dataclasses.replace(RunRequest().resolve("transfer").config, scales=1)
        targets = compute_targets(net, image, [as_picture(STYLE).batch()], config, (1.0,), tuple(image.shape[-2:]))
        tile = targets.grid.tile
        for _ in range(3):
            evaluate(net, image, targets, config)
            times.append(time.perf_counter())
    first = times[0] - started
    steps = [b - a for a, b in zip(times, times[1:])]
    return {"seconds": sum(steps) / len(steps), "first": first, "tile": tile,
            "size": "x".join(map(str, reversed(image.shape[-2:])))}


def measure_in_process(*arguments: str) -> tuple[dict, float]:
    """Run this script's --one mode in a fresh process: (its result, its peak RSS in GiB)."""
    process = run_python(__file__, "--one", *arguments)
    result = next(line for line in reversed(process.log.splitlines()) if line.startswith("{"))
    return json.loads(result), process.peak_gib


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[256, 512, 1024, 2048])
    parser.add_argument("--precisions", nargs="*", default=["fp32", "bf16"])
    parser.add_argument("--skip-steps", action="store_true")
    parser.add_argument("--skip-presets", action="store_true")
    parser.add_argument("--skip-compile", action="store_true")
    parser.add_argument("--big-transfer", type=int, default=0, help="side of a tiled transfer run (0: skip)")
    parser.add_argument("--big-transfer-args", default="--scales 3 --start-size 256 --iterations 2 "
                        "--coarse-iterations-factor 1 --final-iterations-factor 1.5 --tile 1024")
    parser.add_argument("--big-dream", type=int, default=0, help="side of a tiled dream run (0: skip)")
    parser.add_argument("--big-dream-args", default="--iterations 1")
    parser.add_argument("--output", type=Path, default=ROOT / "benchmarks" / "RESULTS.md")
    parser.add_argument("--keep", type=Path,
                        help="folder to keep the huge transfer's output and photo in (to look at, or score with seams.py)")
    parser.add_argument("--one", nargs=4, metavar=("ENGINE", "PRECISION", "SIZE", "COMPILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        engine, precision, size, compile_net = args.one
        # On stderr: stdout may carry the library's own messages.
        print(json.dumps(step_seconds(engine, precision, int(size), compile_net == "compile")), file=sys.stderr)
        return

    lines: list[str] = []

    def emit(*rows: str) -> None:
        for row in rows:
            print(row, flush=True)
            lines.append(row)

    if not args.skip_steps:
        emit("## Seconds per step and peak memory\n", "| engine | size | precision | s / step | peak RSS (GiB) | tile |",
             "|---|---|---|---|---|---|")
        for engine in ("dream", "transfer"):
            for size in args.sizes:
                for precision in args.precisions:
                    result, peak = measure_in_process(engine, precision, str(size), "eager")
                    emit(f"| {engine} | {result['size']} | {precision} | {result['seconds']:.2f} | {peak:.2f} | "
                         f"{result['tile'] or '-'} |")
        emit("")

    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        if not args.skip_presets:
            _presets(folder, emit)
        if not args.skip_compile:
            emit("## torch.compile (256 px, bf16, s / step)\n", "| engine | eager | compiled | first compiled step |",
                 "|---|---|---|---|")
            for engine in ("dream", "transfer"):
                eager, _ = measure_in_process(engine, "bf16", "256", "eager")
                compiled, _ = measure_in_process(engine, "bf16", "256", "compile")
                emit(f"| {engine} | {eager['seconds']:.3f} | {compiled['seconds']:.3f} | {compiled['first']:.1f} s |")
            emit("")
        if args.big_transfer or args.big_dream:
            _huge(folder, args, emit)
    write_results(args.output, "\n".join(lines), f"python benchmarks/results.py {' '.join(sys.argv[1:])}")
    print(f"wrote {args.output}")


def write_results(path: Path, tables: str, command: str) -> None:
    """Write ``tables`` (Markdown, "## " sections) into ``path``, replacing sections of the same title and
    keeping the others, so runs with different --skip flags fill one file."""
    sections = {}
    if path.is_file():
        for part in path.read_text().split("\n## ")[1:]:
            sections[part.split("\n", 1)[0]] = "## " + part.strip() + "\n"
    for part in ("\n" + tables).split("\n## ")[1:]:
        title, body = part.split("\n", 1)
        sections[title] = f"## {title}\n\n_{machine()}; `{command}`_\n{body.rstrip()}\n"
    path.write_text("# dreamstyle benchmarks\n\nWritten by `python benchmarks/results.py`; each section names the "
                    "machine and command that made it.\n\n" + "\n".join(sections.values()))


def _presets(folder: Path, emit) -> None:
    judge = load_backbone(device="cpu", precision="fp32")
    content = as_picture(CONTENT, 512).batch()
    style = as_picture(STYLE).batch()
    emit("## Presets end to end (CLI, model loading included)\n",
         "| command | preset | size | precision | seconds | peak RSS (GiB) | style error | content error |",
         "|---|---|---|---|---|---|---|---|")
    for preset in builtin_presets("dream"):
        output = folder / f"dream_{preset.name}.png"
        process = run_dreamstyle("dream", str(CONTENT), "-o", str(output), "--preset", preset.name, "--size", "1024",
                                 "--seed", "0", "-q", "--force")
        emit(f"| dream | {preset.name} | 1024 | auto | {process.seconds:.1f} | {process.peak_gib:.2f} | | |")
    runs = [(preset.name, "auto") for preset in builtin_presets("transfer")] + [("classic", "fp32")]
    for name, precision in runs:
        output = folder / f"transfer_{name}_{precision}.png"
        process = run_dreamstyle("transfer", str(CONTENT), str(STYLE), "-o", str(output), "--preset", name,
                                 "--size", "512", "--seed", "0", "--precision", precision, "-q", "--force")
        style_error, content_error = errors(judge, read_image(output).batch(), content, style)
        emit(f"| transfer | {name} | 512 | {precision} | {process.seconds:.1f} | {process.peak_gib:.2f} | "
             f"{style_error:.4f} | {content_error:.4f} |")
    emit("")


def _huge(folder: Path, args, emit) -> None:
    """One section per engine, so either can be measured again alone."""
    photo = Image.open(CONTENT).convert("RGB")
    header = ("| size | settings | seconds | peak RSS (GiB) | seam ratio (see seams.py) |",
              "|---|---|---|---|---|")
    if args.big_transfer:
        big = folder / "big_content.png"
        photo.resize((args.big_transfer, args.big_transfer), Image.Resampling.LANCZOS).save(big)
        output = folder / "big_transfer.png"
        extra = args.big_transfer_args.split()
        process = run_dreamstyle("transfer", str(big), str(STYLE), "-o", str(output), "--size",
                                 str(args.big_transfer), "--seed", "0", "-q", "--force", *extra)
        tile = int(extra[extra.index("--tile") + 1]) if "--tile" in extra else 0
        tiled = 0 < tile < args.big_transfer  # a tile as large as the image leaves it whole
        seams = seam_verdict(read_image(output).batch()[0], read_image(big).batch()[0], tile) if tiled else "-"
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            for kept in (output, big):  # the photo too, to score again with seams.py
                shutil.move(kept, args.keep / kept.name)  # the folder may be on another file system
        emit("## Huge transfer (tiled)\n", *header,
             f"| {args.big_transfer}x{args.big_transfer} | {' '.join(extra)} | {process.seconds:.0f} | "
             f"{process.peak_gib:.2f} | {seams} |", "")
    if args.big_dream:
        big = folder / "big_dream.png"
        photo.resize((args.big_dream, args.big_dream), Image.Resampling.LANCZOS).save(big)
        extra = args.big_dream_args.split()
        process = run_dreamstyle("dream", str(big), "-o", str(folder / "big_dream_out.png"), "--seed", "0", "-q",
                                 "--force", *extra)
        emit("## Huge dream (tiled)\n", *header,
             f"| {args.big_dream}x{args.big_dream} | {' '.join(extra)} | {process.seconds:.0f} | "
             f"{process.peak_gib:.2f} | - |", "")


if __name__ == "__main__":
    main()
