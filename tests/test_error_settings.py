"""Errors carry the setting they are about as data: the preset blame, the command line's wording and the
studio read that field and those parts, never the message's words."""

from __future__ import annotations

import pickle

import click
import pytest

from dreamstyle.cli.messages import in_options
from dreamstyle.deepdream.config import DreamConfig
from dreamstyle.errors import Assignment, InvalidArgumentError, OutputExistsError, Setting
from dreamstyle.styletransfer.config import TransferConfig
from dreamstyle.video.config import TemporalConfig

from .helpers import resolve


@pytest.mark.parametrize("make, setting", [
    (lambda: DreamConfig(octaves=0), "octaves"),
    (lambda: DreamConfig(channels="relu4_2=x"), "channels"),
    (lambda: DreamConfig(layers="relu4_2:-1"), "layers"),
    (lambda: TransferConfig(style_weight=-1.0), "style_weight"),
    (lambda: TransferConfig(iterations="10"), "iterations"),
    (lambda: TransferConfig(style_blend="a,b"), "style_blend"),
    (lambda: TransferConfig(tile=8), "tile"),
    (lambda: TemporalConfig(mode="sideways"), "temporal"),
])
def test_every_settings_check_names_its_setting_as_data(make, setting):
    with pytest.raises(InvalidArgumentError) as caught:
        make()
    assert caught.value.setting == setting


def test_an_unknown_layer_is_blamed_on_the_setting_that_named_it(vgg19):
    from dreamstyle.deepdream.engine import check_config
    from dreamstyle.styletransfer.engine import check_layers

    with pytest.raises(InvalidArgumentError, match="relu9_9") as caught:
        check_config(vgg19, DreamConfig(layers="relu9_9"))
    assert caught.value.setting == "layers"
    with pytest.raises(InvalidArgumentError) as caught:
        check_layers(vgg19, TransferConfig(style_layers="relu1_1,relu9_9"))
    assert caught.value.setting == "style_layers"


def test_the_preset_blame_reads_the_setting_not_the_message(tmp_path):
    preset = tmp_path / "mine.toml"
    preset.write_text('style_blend = "a,b"\n')  # its message starts "style_blend: ...", not "style_blend must"
    with pytest.raises(InvalidArgumentError, match=f"^preset {tmp_path}") as caught:
        resolve("transfer", preset=preset)
    assert caught.value.setting == "style_blend"
    with pytest.raises(InvalidArgumentError, match="^style_blend: ") as caught:
        resolve("transfer", preset=preset, style_blend="c")  # typed here: the preset is not to blame


def test_an_error_keeps_its_parts_and_setting_through_pickling():
    error = OutputExistsError("out.png exists; pass ", Assignment("overwrite", True), " to overwrite it")
    assert str(error) == "out.png exists; pass overwrite=True to overwrite it"
    copy = pickle.loads(pickle.dumps(InvalidArgumentError.about("tile", "must be big")))
    assert (type(copy), str(copy), copy.setting, copy.parts) == (
        InvalidArgumentError, "tile must be big", "tile", (Setting("tile"), " must be big"))
    assert isinstance(copy, ValueError)


def _context(**typed) -> click.Context:
    command = click.Command("paint", params=[click.Option(["--force"], is_flag=True),
                                             click.Option(["--style-scale"], type=float),
                                             click.Option(["--device"])])
    context = click.Context(command)
    context.params = {"force": False, "style_scale": None, "device": None, **typed}
    return context


def test_the_command_line_words_the_settings_parts_as_its_options():
    refused = OutputExistsError("out.png exists; pass ", Assignment("overwrite", True), " or ",
                                Assignment("device", "cpu"))
    assert in_options(refused, _context()) == "out.png exists; pass --force or --device cpu"
    bad = InvalidArgumentError.about("style_scale", "must be positive, got 0")
    assert in_options(bad, _context(style_scale=0.0)) == "--style-scale must be positive, got 0"
    # Not typed (it came from a preset): the message keeps the setting's own name.
    assert in_options(bad, _context()) == "style_scale must be positive, got 0"
    # Words that merely look like a setting are text, and stay as they are.
    assert in_options(InvalidArgumentError("style_scale=2 is text here"), _context()) == "style_scale=2 is text here"
