"""``dreamstyle dream``, ``atlas`` and ``presets`` end to end, and their error lines."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image

from dreamstyle.imaging import read_image, read_metadata, write_image
from dreamstyle.video.job import read_clip_metadata

from .helpers import assert_one_error_line, ffmpeg, resolve, run

QUICK = ["--size", "48", "--octaves", "2", "--iterations", "2", "--precision", "fp32"]


@pytest.fixture()
def photo(tmp_path, data_dir) -> Path:
    path = tmp_path / "cat.png"
    path.write_bytes((data_dir / "chelsea.png").read_bytes())
    return path


def test_dream_writes_beside_the_input_with_settings(photo):
    result = run("dream", str(photo), *QUICK, "--seed", "7", "-q")
    assert result.exit_code == 0, result.output
    output = photo.with_name("cat_dream.png")
    assert Image.open(output).size == (48, 32)
    metadata = read_metadata(output)
    assert metadata["seed"] == 7 and metadata["preset"] == "classic"
    assert metadata["config"]["octaves"] == 2 and metadata["weights"] == "vgg19"
    assert metadata["input"] == "cat.png"


def test_same_seed_gives_identical_bytes_and_like_reproduces(photo, tmp_path):
    a, b, c = (tmp_path / name for name in ("a.png", "b.png", "c.png"))
    assert run("dream", str(photo), *QUICK, "--seed", "3", "-o", str(a), "-q").exit_code == 0
    assert run("dream", str(photo), *QUICK, "--seed", "3", "-o", str(b), "-q").exit_code == 0
    assert a.read_bytes() == b.read_bytes()
    assert run("dream", str(photo), *QUICK, "--seed", "4", "-o", str(c), "-q").exit_code == 0
    assert a.read_bytes() != c.read_bytes()
    again = tmp_path / "again.png"
    result = run("dream", str(photo), "--like", str(a), "--precision", "fp32", "-o", str(again), "-q")
    assert result.exit_code == 0, result.output
    assert again.read_bytes() == a.read_bytes()


def test_seed_is_chosen_printed_and_stored(photo, tmp_path):
    output = tmp_path / "out.png"
    result = run("dream", str(photo), *QUICK, "-o", str(output))
    assert result.exit_code == 0, result.output
    seed = read_metadata(output)["seed"]
    assert f"seed {seed}" in result.stderr and f"wrote {output}" in result.stderr


def test_existing_output_is_kept_unless_force(photo, tmp_path):
    output = tmp_path / "out.png"
    output.write_bytes(b"precious")
    assert_one_error_line(run("dream", str(photo), *QUICK, "-o", str(output)), "exists already", "--force")
    assert output.read_bytes() == b"precious"
    assert run("dream", str(photo), *QUICK, "-o", str(output), "--force", "-q").exit_code == 0
    assert output.read_bytes() != b"precious"


def test_a_mistaken_setting_is_reported_before_an_existing_output(photo, tmp_path):
    output = tmp_path / "out.png"
    output.write_bytes(b"precious")
    assert_one_error_line(run("dream", str(photo), *QUICK, "-o", str(output), "--layers", "relu4_22"),
                          "unknown layer 'relu4_22'")


def test_an_input_is_enlarged_only_when_size_asks_and_that_is_said(photo, tmp_path):

    assert resolve("transfer").side_for(85, 128) is None  # transfer keeps a small photo's size
    assert resolve("transfer").side_for(600, 900) == 512  # and makes a large one 512 px
    small = tmp_path / "small.png"
    Image.open(photo).resize((96, 64)).save(small)
    result = run("dream", str(small), *QUICK, "--size", "120", "-o", str(tmp_path / "big.png"))
    assert result.exit_code == 0, result.output
    assert "note: --size 120 enlarges small.png (96x64)" in result.stderr
    assert Image.open(tmp_path / "big.png").size == (120, 80)


@pytest.mark.parametrize("suffix", [".png", ".tif"])
def test_a_sixteen_bit_photo_gives_a_sixteen_bit_dream(photo, tmp_path, suffix):
    deep = write_image(replace(read_image(photo), bit_depth=16), tmp_path / f"deep{suffix}")
    result = run("dream", str(deep), *QUICK, "--seed", "1", "-o", str(tmp_path / f"out{suffix}"), "-q")
    assert result.exit_code == 0, result.output
    dreamed = read_image(tmp_path / f"out{suffix}")
    levels = (dreamed.rgb * 65535).round()
    assert dreamed.bit_depth == 16 and bool((levels % 257 != 0).any())  # not 8-bit values widened


def test_presets_and_flags_override_them(photo, tmp_path):
    listing = run("presets").output
    for name in ("classic", "deep", "soft", "texture", "intense", "lines"):
        assert f"  {name} " in listing
    mine = tmp_path / "mine.toml"
    mine.write_text('description = "mine"\nlayers = "relu3_1:1"\noctaves = 2\niterations = 2\nstep = 0.02\n')
    output = tmp_path / "p.png"
    result = run("dream", str(photo), "--preset", str(mine), "--step", "0.01", "--size", "48", "-o", str(output), "-q")
    assert result.exit_code == 0, result.output
    config = read_metadata(output)["config"]
    assert config["layers"] == "relu3_1:1" and config["step"] == 0.01 and config["iterations"] == 2


def test_save_every_writes_intermediates(photo, tmp_path):
    output = tmp_path / "out.png"
    assert run("dream", str(photo), *QUICK, "-o", str(output), "--save-every", "2", "-q").exit_code == 0
    assert sorted(p.name for p in tmp_path.glob("out_step*.png")) == ["out_step0002.png", "out_step0004.png"]
    assert Image.open(tmp_path / "out_step0002.png").size == (48, 32)


@pytest.mark.parametrize("name", ["zoom.mp4", "zoom.gif", "frames"])
def test_zoom_animation_outputs(photo, tmp_path, name):
    output = tmp_path / name
    if name.endswith(".mp4"):
        ffmpeg()
    result = run("dream", str(photo), "--size", "33", "--octaves", "1", "--iterations", "1", "--zoom-frames", "3",
                 "--rotate", "2", "--fps", "12", "-o", str(output))
    assert result.exit_code == 0, result.output
    assert result.stdout == "" and "frames: 100%" in result.stderr  # tqdm on stderr, as for every long run
    if name.endswith(".mp4"):
        frames, _seconds = ffmpeg().count_frames_and_secs(str(output))
        assert frames == 3
    elif name.endswith(".gif"):
        assert Image.open(output).n_frames == 3
    else:
        assert sorted(p.name for p in output.iterdir()) == ["000000.png", "000001.png", "000002.png"]
    settings = read_clip_metadata(output) if output.suffix else read_metadata(output / "000002.png")
    assert (settings["command"], settings["rotate"]) == ("dream", 2.0)  # each output keeps the zoom's settings
    assert not list(tmp_path.glob(".*part*"))


def test_atlas_and_filters_from_the_cli(tmp_path):
    sheet = tmp_path / "atlas.png"
    result = run("atlas", "--layer", "relu2_1", "--channels", "0,3", "--size", "32", "--iterations", "2",
                 "--seed", "1", "-o", str(sheet), "-q")
    assert result.exit_code == 0, result.output
    assert read_metadata(sheet)["channels"] == "0,3"
    repeat = tmp_path / "again.png"
    run("atlas", "--layer", "relu2_1", "--channels", "0,3", "--size", "32", "--iterations", "2", "--seed", "1",
        "-o", str(repeat), "-q")
    assert repeat.read_bytes() == sheet.read_bytes()
    kernels = tmp_path / "filters.png"
    assert run("atlas", "--filters", "conv1_1", "-o", str(kernels), "-q").exit_code == 0
    assert Image.open(kernels).size[0] > 8 * 48


@pytest.mark.parametrize(
    "args, fragments",
    [
        (["--layers", "relu4_9"], ["unknown layer 'relu4_9'", "closest"]),
        (["--channels", "relu4_2=600"], ["channel 600 is out of range for relu4_2"]),
        (["--octave-scale", "1"], ["--octave-scale must be greater than 1"]),
        (["--size", "-5"], ["--size must be at least 16"]),
        (["--octaves", "1000"], ["--octaves must be at most 16"]),
        (["--step", "1e308"], ["--step must be at most 1"]),
        (["--iterations", "1000000000"], ["--iterations must be at most 100000"]),
        (["--seed", str(2**70)], ["--seed", "4611686018427387904"]),
        (["--guide", "{tmp}/nothing.jpg"], ["nothing.jpg: no such file"]),
        (["--guide", "{tmp}/notes.txt"], ["notes.txt: not an image file"]),
        (["--preset", "nope"], ["unknown dream preset 'nope'", "classic"]),
        (["--preset", "{tmp}/bad.toml"], ["unknown key 'octavez'", "bad.toml"]),
        (["--preset", "{tmp}/zero.toml"], ["preset {tmp}/zero.toml: octaves must be at least 1"]),
        (["--like", "{photo}"], ["holds no dreamstyle dream settings"]),
        (["-o", "{tmp}/x.mp4"], ["add --zoom-frames"]),
        (["--zoom-frames", "2", "-o", "{tmp}/x.avi2"], ["unsupported animation output"]),
        (["--zoom-frames", "0"], ["zoom frames must be at least 1"]),
        (["--smoothing", "blur"], ["--smoothing"]),
        (["-o", "{photo}"], ["is an input file"]),
        (["-o", "/proc/dreamstyle-nowhere/x.png"], ["cannot write in /proc", "choose another output"]),
    ],
)
def test_dream_bad_input_is_one_error_line(photo, tmp_path, args, fragments):
    (tmp_path / "notes.txt").write_text("not an image")
    (tmp_path / "bad.toml").write_text("octavez = 3\n")
    (tmp_path / "zero.toml").write_text("octaves = 0\n")
    values = {"tmp": str(tmp_path), "photo": str(photo)}
    result = run("dream", str(photo), "--size", "48", *(arg.format(**values) for arg in args))
    assert_one_error_line(result, *(fragment.format(**values) for fragment in fragments))
    assert photo.read_bytes()  # the input is untouched


def test_atlas_bad_input(tmp_path):
    assert_one_error_line(run("atlas", "-o", str(tmp_path / "a.png")), "--layer", "--filters")
    assert_one_error_line(run("atlas", "--layer", "relu2_1", "--channels", "999", "-o", str(tmp_path / "a.png")),
                          "channel 999 is out of range for relu2_1")
    assert_one_error_line(run("atlas", "--filters", "conv3_1", "-o", str(tmp_path / "a.png")), "only the first layer")


def test_presets_ship_in_the_wheel(tmp_path):
    root = Path(__file__).resolve().parents[1]
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(root), "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(tmp_path / "wheel")], check=True, capture_output=True)
    wheel = next((tmp_path / "wheel").glob("dreamstyle-*.whl"))
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(tmp_path / "site"),
                    str(wheel)], check=True, capture_output=True)
    probe = textwrap.dedent("""
        import dreamstyle, sys
        from dreamstyle.presets import builtin_presets
        from dreamstyle.runs import RunRequest
        print(dreamstyle.__file__)
        print(",".join(p.name for p in builtin_presets("dream")))
        print(RunRequest(preset="deep", seed=0).resolve("dream").config.octaves)
    """)
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=tmp_path,
                          env={"PYTHONPATH": str(tmp_path / "site"), "PATH": "/usr/bin:/bin"}, check=True)
    where, names, octaves = done.stdout.split()
    assert where.startswith(str(tmp_path / "site"))
    assert set(names.split(",")) >= {"classic", "deep", "soft", "texture", "intense"}
    assert octaves == "5"
