"""The command line: help, version, info commands, the activations sheet, and error lines."""

from __future__ import annotations

import importlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace

import pytest
import torch
from PIL import Image

from dreamstyle import __version__
from dreamstyle.errors import OutputExistsError
from dreamstyle.imaging import read_image, read_metadata
from dreamstyle.imaging.resizing import resize
from dreamstyle.runtime import DETERMINISTIC_ENV, resolve_device, use_deterministic_algorithms

from .helpers import assert_one_error_line, resolve, run


def test_version_and_help():
    assert run("--version").output.strip() == f"dreamstyle, version {__version__}"
    help_text = run("--help").output
    assert "Examples:" in help_text and "dreamstyle activations photo.jpg" in help_text
    for command in ("activations", "layers", "weights"):
        assert command in help_text


def test_python_dash_m_runs_the_cli():
    done = subprocess.run([sys.executable, "-m", "dreamstyle", "--version"], capture_output=True, text=True)
    assert done.returncode == 0 and __version__ in done.stdout


def test_layers_lists_channels_and_strides():
    lines = run("layers").output.splitlines()
    relu4_2 = next(line for line in lines if line.startswith("relu4_2"))
    assert relu4_2.split()[:3] == ["relu4_2", "512", "8"]
    assert sum(1 for line in lines if line[:4] in ("conv", "relu", "pool")) == 37
    vgg16 = run("layers", "--model", "vgg16-torchvision").output
    assert "conv5_3" in vgg16 and "conv5_4" not in vgg16


def test_weights_says_what_is_usable(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    monkeypatch.delenv("DREAMSTYLE_DEVICE")
    output = run("weights").output
    assert "vgg19              vgg19  caffe        usable" in output
    assert "vgg19-torchvision" in output and "needs a one-time download" in output
    assert "--weights FILE --weights-format caffe|torchvision" in output
    assert f"--device auto -> {resolve_device('auto')}" in output
    monkeypatch.setenv("DREAMSTYLE_DEVICE", "cpu")
    assert "--device cpu -> cpu" in run("weights").output  # the default device can come from the environment
    monkeypatch.setenv("DREAMSTYLE_DEVICE", "tpu")
    assert_one_error_line(run("weights"), "DREAMSTYLE_DEVICE=tpu: unknown device 'tpu'")


def test_activations_end_to_end(tmp_path, data_dir):
    image = tmp_path / "cat.png"
    image.write_bytes((data_dir / "chelsea.png").read_bytes())
    result = run("activations", str(image), "--layer", "relu2_1", "--count", "4", "--size", "64",
                 "--precision", "fp32")
    output = tmp_path / "cat_relu2_1.png"
    assert result.exit_code == 0, result.output
    assert f"wrote {output}" in result.output
    sheet = Image.open(output)
    assert sheet.size[0] > 64 and sheet.size[1] > 64
    assert read_metadata(output)["layer"] == "relu2_1"

    before = output.read_bytes()
    assert_one_error_line(run("activations", str(image), "--layer", "relu2_1", "--size", "64"), str(output), "--force")
    assert output.read_bytes() == before
    assert run("activations", str(image), "--layer", "relu2_1", "--size", "64", "--force", "-q").output == ""


@pytest.mark.parametrize(
    "args, fragments",
    [
        (["activations", "{missing}"], ["no such file"]),
        (["activations", "{image}", "--layer", "relu4_9"], ["unknown layer 'relu4_9'", "closest"]),
        (["activations", "{image}", "--count", "999"], ["--count must be between 1 and"]),
        (["activations", "{image}", "-o", "{image}"], ["is an input file"]),
        (["activations", "{image}", "-o", "{tmp}/out.bmp2"], ["unsupported output extension"]),
        pytest.param(["activations", "{image}", "--device", "cuda"], ["cuda", "use --device cpu or --device auto"],
                     marks=pytest.mark.cpu_only),
        (["activations", "{image}", "--weights", "{tmp}/none.pth", "--weights-format", "caffe"], ["does not exist"]),
        (["activations", "{image}", "--weights", "{tmp}/none.pth"], ["--weights-format caffe"]),
        (["activations", "{image}", "--precision", "fp8"], ["--precision"]),
        (["activations", "{image}", "--bogus"], ["No such option", "--bogus"]),
        (["layers", "--model", "resnet"], ["--model"]),
        (["nonsense"], ["No such command"]),
    ],
)
def test_bad_input_is_one_error_line(tmp_path, data_dir, args, fragments):
    values = {"missing": str(tmp_path / "missing.jpg"), "image": str(data_dir / "chelsea.png"), "tmp": str(tmp_path)}
    result = run(*(arg.format(**values) for arg in args))
    assert_one_error_line(result, *fragments)


@pytest.mark.parametrize(
    "args",
    [
        ["transfer", "{image}", "{style}", "-o", "{blocker}/out.png"],
        ["transfer", "{image}", "{style}", "-o", "{blocker}/deeper/out.png"],
        ["transfer", "{clip}", "{style}", "-o", "{blocker}/clip.mp4"],
        ["transfer", "{clip}", "{style}", "-o", "{blocker}/frames/"],
        ["dream", "{image}", "-o", "{blocker}/out.jpg"],
        ["dream", "{image}", "--zoom-frames", "3", "-o", "{blocker}/zoom.gif"],
        ["activations", "{image}", "-o", "{blocker}/sheet.png"],
        ["assemble", "{clip}", "-o", "{blocker}/joined.mp4"],
    ],
)
def test_output_that_could_not_be_written_is_refused_before_any_work(tmp_path, data_dir, args):
    """A run must not end in a write that fails: an output under a file is one clear error at the start."""
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where a folder would have to be")
    clip = tmp_path / "clip"
    clip.mkdir()
    for number in range(2):
        (clip / f"{number:06d}.png").write_bytes((data_dir / "chelsea.png").read_bytes())
    values = {"image": str(data_dir / "chelsea.png"), "style": str(data_dir / "mosaic.jpg"), "clip": str(clip),
              "blocker": str(blocker)}
    result = run(*(arg.format(**values) for arg in args), "--quiet")
    assert_one_error_line(result, f"{blocker} is a file, not a folder")
    assert blocker.read_text() == "a file where a folder would have to be"


@pytest.mark.parametrize("command, engine", [("transfer", "transfer_tensor"), ("dream", "dream_tensor")])
def test_ctrl_c_keeps_the_picture_so_far_as_the_output(tmp_path, data_dir, monkeypatch, command, engine):
    where = "styletransfer.prepared" if command == "transfer" else "deepdream.request"
    module = importlib.import_module(f"dreamstyle.{where}")  # where a prepared run calls its engine
    real_engine, seen = getattr(module, engine), []

    def interrupted_at_second_report(*args, callback, **kwargs):
        def report(progress):
            callback(progress)
            seen.append(progress.image.detach().clone())
            if len(seen) == 2:
                raise KeyboardInterrupt
        return real_engine(*args, callback=report, **kwargs)

    monkeypatch.setattr(module, engine, interrupted_at_second_report)
    output = tmp_path / "out.png"
    styles = [str(data_dir / "mosaic.jpg")] if command == "transfer" else []
    result = run(command, str(data_dir / "chelsea.png"), *styles, "--size", "64", "--iterations", "30",
                 "--precision", "fp32", "-q", "-o", str(output))
    assert result.exit_code == 130 and "Traceback" not in result.output
    said = [line for line in result.stderr.splitlines() if line.strip()]
    assert said == [f"Interrupted; kept the picture so far in {output}."]  # one line, not two that say the same
    step = read_metadata(output)["interrupted_at_step"]
    assert step > 0
    again = run(command, str(data_dir / "chelsea.png"), *styles, "--size", "64", "-q", "-o", str(output))
    go_on = f"--init {output}" if command == "transfer" else "it as the input"
    assert_one_error_line(again, f"{output} exists already: the picture of a {command} interrupted after {step} steps",
                          f"to go on from it, give {go_on} and another output",
                          "or pass --force to make it again from the start")
    written = read_image(output).rgb
    assert written.shape == (3, 43, 64)
    at_interruption = resize(seen[-1].clamp(0, 1), written.shape[-2:])[0].cpu()
    assert (written - at_interruption).abs().max() <= 1 / 255 + 1e-6  # 8-bit rounding only


def test_sigterm_keeps_the_picture_so_far_like_ctrl_c(tmp_path, data_dir):
    """A scheduler's time limit or ``kill`` (SIGTERM) must not lose the run: it is handled like Ctrl-C."""
    output = tmp_path / "out.png"
    command = [sys.executable, "-m", "dreamstyle", "transfer", str(data_dir / "chelsea.png"),
               str(data_dir / "mosaic.jpg"), "--size", "64", "--scales", "1", "--iterations", "100000",
               "--precision", "fp32", "-q", "--save-every", "1", "-o", str(output)]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not list(tmp_path.glob("out_step*.png")):  # the engine has reported: there is a picture
            assert process.poll() is None and time.monotonic() < deadline, process.stderr.read()
            time.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        _, errors = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 128 + signal.SIGTERM, errors
    assert f"Terminated; kept the picture so far in {output}." in errors and "Traceback" not in errors
    assert read_metadata(output)["interrupted_at_step"] >= 1
    assert not [p.name for p in tmp_path.iterdir() if ".part" in p.name]


def test_transfer_status_says_when_a_scale_converged_early():
    from dreamstyle.styletransfer import TransferProgress

    zero, image = torch.zeros(()), torch.zeros(1, 3, 4, 6)
    running = TransferProgress(scale=2, scales=3, iteration=40, iterations=150, size=(4, 6), content=zero, style=zero,
                               tv=zero, temporal=zero, image=image, iterations_made=40)
    ended = replace(running, iteration=150, iterations_made=47)
    assert not running.converged and "converged" not in running.status()
    assert ended.converged and ended.status().endswith("(converged after 47 iterations)")


def test_progress_reads_losses_only_when_it_shows_them(monkeypatch):
    """Reading a loss waits for the device: a status is made once per STATUS_INTERVAL and at the end, not per step."""
    from dreamstyle import progress as progress_module

    clock = [0.0]
    monkeypatch.setattr(progress_module.time, "monotonic", lambda: clock[0])
    statuses = []

    class Report:
        def __init__(self, step: int):
            self.run_done, self.run_total = step, 100

        def status(self) -> str:
            statuses.append(self.run_done)
            return f"step {self.run_done}"

    bar = progress_module.ProgressBar(False, 100, "test")
    for step in range(1, 101):
        if step == 50:
            clock[0] += progress_module.STATUS_INTERVAL
        bar(Report(step))
    bar.close()
    assert statuses == [1, 50, 100]

    quiet = progress_module.ProgressBar(True, 100, "test")
    statuses.clear()
    for step in range(1, 101):
        quiet(Report(step))
    assert statuses == []


def test_running_out_of_memory_is_one_error_line_that_suggests_tiles(tmp_path, data_dir, monkeypatch):
    def out_of_memory(*args, **kwargs):
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB")

    monkeypatch.setattr("dreamstyle.backbone.features.VGGFeatures.forward", out_of_memory)
    result = run("dream", str(data_dir / "chelsea.png"), "--size", "48", "-o", str(tmp_path / "out.png"), "-q")
    assert_one_error_line(result, "the GPU ran out of memory", "--size", "--tile 512")
    assert result.exit_code == 1 and not (tmp_path / "out.png").exists()


def test_deterministic_option_turns_off_cudnn_autotuning(tmp_path, data_dir, monkeypatch):
    monkeypatch.delenv(DETERMINISTIC_ENV, raising=False)
    try:
        result = run("dream", str(data_dir / "chelsea.png"), "--size", "32", "--octaves", "1", "--iterations", "1",
                     "--deterministic", "-o", str(tmp_path / "out.png"), "-q")
        assert result.exit_code == 0, result.output
        assert os.environ[DETERMINISTIC_ENV] == "1"
        if torch.cuda.is_available():
            assert torch.backends.cudnn.deterministic and not torch.backends.cudnn.benchmark
    finally:
        use_deterministic_algorithms(False)


def test_library_errors_name_the_option_on_the_command_line_and_the_parameter_in_python(tmp_path, data_dir):
    from dreamstyle.imaging import check_output_path

    existing = tmp_path / "out.png"
    existing.write_bytes((data_dir / "chelsea.png").read_bytes())
    with pytest.raises(OutputExistsError, match="pass overwrite=True"):
        check_output_path(existing)
    result = run("activations", str(data_dir / "chelsea.png"), "--size", "32", "-o", str(existing))
    assert_one_error_line(result, "pass --force")
    # A setting named first is the option's only when typed as one: a preset's bad value names the preset.
    preset = tmp_path / "zero.toml"
    preset.write_text("octaves = 0\n")
    assert_one_error_line(run("dream", str(data_dir / "chelsea.png"), "--preset", str(preset)),
                          f"--preset {preset}: octaves must be at least 1")
    assert_one_error_line(run("dream", str(data_dir / "chelsea.png"), "--octaves", "0"), "--octaves must be at least 1")


@pytest.mark.cpu_only
def test_a_missing_gpu_in_the_environment_variable_suggests_the_option(monkeypatch):
    monkeypatch.setenv("DREAMSTYLE_DEVICE", "cuda")
    assert_one_error_line(run("weights"), "DREAMSTYLE_DEVICE=cuda: device 'cuda' was requested",
                          "use --device cpu or --device auto")


def test_an_interruption_says_what_was_kept_and_the_command_that_continues():
    from dreamstyle.cli.app import CONTINUES, interruption_report

    assert interruption_report(KeyboardInterrupt(), ["dream", "x.png"]) == "nothing was finished, so nothing was kept."
    interrupt = KeyboardInterrupt()
    interrupt.add_note(f"kept 3 finished frames in my out/; {CONTINUES}")
    assert interruption_report(interrupt, ["dream", "clip.mp4", "-o", "my out/"]) == (
        "kept 3 finished frames in my out/; the same command continues from there.\n"
        "  dreamstyle dream clip.mp4 -o 'my out/'")


def test_the_command_list_comes_from_one_table_and_each_entry_is_the_command_it_names():
    from dreamstyle.cli import cli
    from dreamstyle.cli.app import COMMANDS

    result = run("--help")
    assert result.exit_code == 0
    for name, (_, line) in COMMANDS.items():
        assert f"{name}  " in result.output and line in result.output
        command = cli.get_command(None, name)
        assert command is not None and command.name == name


@pytest.mark.parametrize("command", ["dream", "transfer"])
def test_every_setting_option_shows_the_value_a_run_without_it_uses(command):

    used = resolve(command, seed=1).config.to_dict()
    declared = importlib.import_module(f"dreamstyle.cli.{command}")
    options = {param.name: param for param in getattr(declared, command).params if param.name in used}
    assert len(options) >= 11  # every engine setting a person may type
    for name, option in options.items():
        assert option.default is None, name  # not given: the preset (or --like) decides
        if used[name] not in (None, ""):
            assert f"[default: {used[name]}]" in option.help, (name, option.help)
