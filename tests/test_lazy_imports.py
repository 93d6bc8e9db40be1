"""The command line declares every command without importing torch, and the lazy packages export what they say."""

from __future__ import annotations

import importlib
import os
import pkgutil
import subprocess
import sys

import pytest

import dreamstyle

LAZY_PACKAGES = ["dreamstyle", "dreamstyle.backbone", "dreamstyle.deepdream", "dreamstyle.imaging",
                 "dreamstyle.instant", "dreamstyle.styletransfer", "dreamstyle.video"]

# What may answer without torch: help, the lists, and every mistake found before a run starts.
TORCH_FREE_ANSWERS = [
    ["--help"], ["--version"], ["dream", "--help"], ["transfer", "--help"], ["atlas", "--help"],
    ["activations", "--help"], ["styles", "--help"], ["presets"], ["layers"], ["dream", "missing.jpg"], ["transfer", "a.jpg", "b.jpg"],
    ["dream", "x.jpg", "--octaves", "x"], ["transfer", "--sizes", "5"],
]


def _imports_torch(args: list[str]) -> tuple[bool, str]:
    code = ("import sys\nfrom dreamstyle.cli import cli\ntry:\n    cli.main(sys.argv[1:], prog_name='dreamstyle')\n"
            "except SystemExit:\n    pass\nprint('torch' in sys.modules)")
    # A device named in the environment is checked as the options are read, which needs torch.
    environment = {key: value for key, value in os.environ.items() if key != "DREAMSTYLE_DEVICE"}
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120,
                          env=environment)
    return done.stdout.strip().splitlines()[-1] == "True", done.stdout + done.stderr


@pytest.mark.parametrize("args", TORCH_FREE_ANSWERS, ids=" ".join)
def test_help_lists_and_argument_mistakes_answer_without_importing_torch(args):
    imported, output = _imports_torch(args)
    assert not imported, output


@pytest.mark.parametrize("package", LAZY_PACKAGES)
def test_every_lazily_exported_name_resolves_and_none_is_shadowed_by_a_submodule(package):
    module = importlib.import_module(package)
    submodules = {info.name for info in pkgutil.iter_modules(module.__path__)}
    for name in module.__all__:
        assert name not in submodules, f"{package}.{name} is both an export and a submodule"
        assert getattr(module, name) is not None


def test_an_unknown_name_is_an_attribute_error_naming_it():
    with pytest.raises(AttributeError, match="no_such_thing"):
        dreamstyle.backbone.no_such_thing  # noqa: B018
