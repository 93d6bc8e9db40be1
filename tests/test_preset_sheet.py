"""dreamstyle presets --sheet: every built-in preset made on one photo, laid out and labelled."""

from __future__ import annotations

from PIL import Image

from dreamstyle.imaging import read_metadata
from dreamstyle.imaging.sheet import sheet_layout
from dreamstyle.presets import builtin_presets

from .helpers import DATA, assert_one_error_line, run


def test_the_sheet_shows_every_dream_preset_on_the_photo_each_in_its_own_tile(tmp_path):
    output = tmp_path / "sheet.png"
    result = run("presets", "--sheet", str(DATA / "chelsea.png"), "--size", "32", "-o", str(output))
    assert result.exit_code == 0, result.output
    names = [f"dream:{preset.name}" for preset in builtin_presets("dream")]
    metadata = read_metadata(output)
    assert metadata["presets"] == names and metadata["seed"] == 0
    assert Image.open(output).size == sheet_layout(len(names), (21, 32), 32).size
    assert result.stderr.splitlines()[0] == f"1/{len(names)} dream {builtin_presets('dream')[0].name}"
    assert result.stderr.splitlines()[-1] == f"wrote {output}"
    tiles = [Image.open(output).crop((left, top, left + 32, top + 21))
             for left, top in sheet_layout(len(names), (21, 32), 32).corners]
    assert len({tile.tobytes() for tile in tiles}) == len(names)  # every preset made a picture of its own


def test_sheet_mistakes_are_one_line_before_any_preset_runs(tmp_path):
    assert_one_error_line(run("presets", "--sheet", str(tmp_path / "missing.jpg")), "missing.jpg")
    assert_one_error_line(run("presets", "--style", str(DATA / "mosaic.jpg")), "--style", "--sheet")
    assert_one_error_line(run("presets", "--sheet", str(DATA / "chelsea.png"), "--style", str(tmp_path / "no.jpg"),
                              "-o", str(tmp_path / "s.png")), "no.jpg")
    assert list(tmp_path.iterdir()) == []
