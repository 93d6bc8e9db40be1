"""``dreamstyle transfer`` on single images: outputs, presets, --like, saves and error lines."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PIL import Image

from dreamstyle.errors import InvalidArgumentError
from dreamstyle.imaging import read_metadata

from .helpers import assert_one_error_line, resolve, run


@pytest.fixture()
def files(tmp_path, data_dir) -> tuple[Path, Path]:
    photo, style = tmp_path / "cat.png", tmp_path / "mosaic.jpg"
    photo.write_bytes((data_dir / "chelsea.png").read_bytes())
    style.write_bytes((data_dir / "mosaic.jpg").read_bytes())
    return photo, style


QUICK = ["--size", "48", "--scales", "1", "--iterations", "3", "--precision", "fp32", "-q"]


def test_cli_end_to_end_and_like(files, tmp_path):
    photo, style = files
    result = run("transfer", str(photo), str(style), *QUICK, "--seed", "2")
    assert result.exit_code == 0, result.output
    output = tmp_path / "cat_mosaic.png"
    assert Image.open(output).size == (48, 32)
    metadata = read_metadata(output)
    assert metadata["command"] == "transfer" and metadata["seed"] == 2 and metadata["preset"] == "classic"
    again = tmp_path / "again.png"
    assert run("transfer", str(photo), str(style), "--like", str(output), "--precision", "fp32", "-q",
               "-o", str(again)).exit_code == 0
    assert again.read_bytes() == output.read_bytes()
    assert_one_error_line(run("transfer", str(photo), str(style), *QUICK), "exists already", "--force")


def test_cli_presets_and_overrides(files, tmp_path):
    photo, style = files
    listing = run("presets").output
    for name in ("classic", "faithful", "painterly", "bold", "fine"):
        assert f"  {name} " in listing
    output = tmp_path / "p.png"
    assert run("transfer", str(photo), str(style), *QUICK, "--preset", "bold", "--style-weight", "3",
               "-o", str(output)).exit_code == 0
    config = read_metadata(output)["config"]
    assert config["style_scale"] == 1.6 and config["style_weight"] == 3.0
    tiled = tmp_path / "t.png"
    assert run("transfer", str(photo), str(style), *QUICK, "--tile", "32", "-o", str(tiled)).exit_code == 0
    assert read_metadata(tiled)["config"]["tile"] == 32
    clamped = tmp_path / "c.png"
    assert run("transfer", str(photo), str(style), *QUICK, "--bounds", "clamp", "-o", str(clamped)).exit_code == 0
    assert read_metadata(clamped)["config"]["bounds"] == "clamp"
    coarse = tmp_path / "s.png"
    assert run("transfer", str(photo), str(style), *QUICK, "--coarse-iterations-factor", "0.25",
               "-o", str(coarse)).exit_code == 0
    assert read_metadata(coarse)["config"]["coarse_iterations_factor"] == 0.25
    assert_one_error_line(run("transfer", str(photo), str(style), *QUICK, "--tile", "8", "-o", str(tmp_path / "u.png")),
                          "tile must be 0 (never), or at least 32 px")


def test_a_bad_value_is_blamed_on_the_preset_only_when_it_came_from_there(tmp_path):

    preset = tmp_path / "mine.toml"
    preset.write_text("style_scale = 0\ntv_weight = 1\n")
    with pytest.raises(InvalidArgumentError, match=f"^preset {re.escape(str(preset))}: style_scale must be positive"):
        resolve("transfer", preset=preset)
    with pytest.raises(InvalidArgumentError, match="^tv_weight must not be negative"):
        resolve("transfer", preset=preset, style_scale=0.5, tv_weight=-1)
    assert resolve("transfer", preset=preset, style_scale=0.5).config.style_scale == 0.5


def test_cli_preset_with_a_value_of_the_wrong_type_is_one_error_line(files, tmp_path):
    photo, style = files
    preset = tmp_path / "mine.toml"
    preset.write_text('style_weight = "strong"\n')
    output = tmp_path / "o.png"
    assert_one_error_line(run("transfer", str(photo), str(style), *QUICK, "--preset", str(preset), "-o", str(output)),
                          f"preset {preset}: style_weight must be a number, got 'strong'")
    assert not output.exists()


def test_cli_save_every_and_init_file(files, tmp_path):
    photo, style = files
    output = tmp_path / "o.png"
    assert run("transfer", str(photo), str(style), *QUICK, "--optimizer", "adam", "--save-every", "2",
               "--init", str(style), "-o", str(output)).exit_code == 0
    assert sorted(p.name for p in tmp_path.glob("o_step*.png")) == ["o_step0002.png"]
    assert read_metadata(output)["init_image"] == "mosaic.jpg"


@pytest.mark.parametrize(
    "args, fragments",
    [
        (["--style-layers", "relu9_1"], ["unknown layer 'relu9_1'"]),
        (["--content-layers", "conv4_7"], ["unknown layer 'conv4_7'"]),
        (["--style-blend", "0.5,0.3,0.2"], ["--style-blend has 3 weights for 1 style image"]),
        (["--style-weight", "-2"], ["--style-weight must not be negative, got -2.0"]),
        (["--tv-weight", "-1"], ["--tv-weight must not be negative"]),
        (["--content-mix", "1.5"], ["--content-mix must be in [0, 1]"]),
        (["--content-detail", "-0.1"], ["--content-detail must be in [0, 1]"]),
        (["--coarse-iterations-factor", "0"], ["--coarse-iterations-factor must be positive"]),
        (["--style-layers", "relu1_1:x"], ["--style-layers: bad weight in 'relu1_1:x'"]),
        (["--size", "8"], ["--size must be at least 16 px"]),
        (["--init", "{tmp}/missing.png"], ["missing.png: no such file"]),
        (["--preset", "nope"], ["unknown transfer preset 'nope'"]),
        (["--like", "{photo}"], ["holds no dreamstyle transfer settings"]),
        (["-o", "{style}"], ["is an input file"]),
    ],
)
def test_cli_bad_input(files, tmp_path, args, fragments):
    photo, style = files
    values = {"tmp": str(tmp_path), "photo": str(photo), "style": str(style)}
    size = [] if "--size" in args else ["--size", "48"]
    result = run("transfer", str(photo), str(style), *size, *(a.format(**values) for a in args))
    assert_one_error_line(result, *fragments)


def test_cli_unreadable_style(files, tmp_path):
    photo, _ = files
    bad = tmp_path / "style.jpg"
    bad.write_text("no")
    assert_one_error_line(run("transfer", str(photo), str(bad), "--size", "48"), "style.jpg: not an image file")
