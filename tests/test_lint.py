"""The code reads clean: ruff (pyflakes and import order, as pyproject.toml configures it) finds nothing."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_finds_no_unused_or_undefined_name_and_no_unsorted_import():
    ruff = shutil.which("ruff")
    if ruff is None and not __import__("os").environ.get("CI"):
        pytest.skip("ruff is not installed (pip install -e '.[test]' installs it)")
    command = [ruff] if ruff else [sys.executable, "-m", "ruff"]
    done = subprocess.run([*command, "check", "dreamstyle", "tests", "benchmarks", "examples"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
