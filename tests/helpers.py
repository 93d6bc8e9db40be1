"""What several test files share: the CLI runner and its error-line check, and small real clips
(a panning crop of chelsea.png, encoded with imageio-ffmpeg's ffmpeg)."""

from __future__ import annotations

import contextlib
import math
import os
import struct
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from dreamstyle.cli import cli
from dreamstyle.styletransfer import transfer_tensor

DATA = Path(__file__).parent / "data"
RATE = "30000/1001"


def resolve(command: str, preset=None, like=None, size=None, seed=None, **settings):
    """The resolved run of ``command`` (``"dream"`` or ``"transfer"``) that the Python API's keywords ask for."""
    from dreamstyle.runs import RunRequest

    return RunRequest(preset, like, size, seed, settings).resolve(command)


def run(*args: str):
    return CliRunner().invoke(cli, list(args), prog_name="dreamstyle")


def assert_one_error_line(result, *fragments: str) -> None:
    assert result.exit_code != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ") and "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def ffmpeg():
    """imageio-ffmpeg, or a skip where it is not installed (a GPU machine may run the suite without it)."""
    return pytest.importorskip("imageio_ffmpeg", reason="video files need imageio-ffmpeg")


def pan_frames(count: int, width: int = 64, height: int = 48, step: int = 3) -> list[np.ndarray]:
    """``count`` (H, W, 3) uint8 crops of the photo, moving ``step`` px right per frame."""
    photo = Image.open(DATA / "chelsea.png").convert("RGB")
    scale = (height * 3) / photo.height
    photo = np.asarray(photo.resize((round(photo.width * scale), height * 3), Image.Resampling.LANCZOS))
    top = height
    return [np.ascontiguousarray(photo[top:top + height, 40 + step * i:40 + step * i + width]) for i in range(count)]


def _tone(path: Path, seconds: float) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        samples = int(16000 * seconds)
        out.writeframes(b"".join(struct.pack("<h", int(6000 * math.sin(2 * math.pi * 440 * i / 16000)))
                                 for i in range(samples)))
    return path


def make_clip(path: Path, count: int = 8, audio: bool = True, **pan) -> Path:
    """An H.264 clip of :func:`pan_frames` at 30000/1001 fps, with a 440 Hz tone track if ``audio``."""
    frames = pan_frames(count, **pan)
    height, width = frames[0].shape[:2]
    command = [ffmpeg().get_ffmpeg_exe(), "-y", "-v", "error", "-f", "rawvideo", "-pix_fmt", "rgb24",
               "-s", f"{width}x{height}", "-framerate", RATE, "-i", "-"]
    if audio:
        command += ["-i", str(_tone(path.with_suffix(".wav"), count / 29.97)), "-map", "0:v", "-map", "1:a",
                    "-c:a", "aac"]
    command += ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-crf", "12", str(path)]
    process = subprocess.Popen(command, stdin=subprocess.PIPE)
    for frame in frames:
        process.stdin.write(frame.tobytes())
    process.stdin.close()
    assert process.wait() == 0
    return path


def video_facts(path: Path) -> tuple[int, str | None, tuple[int, int]]:
    """(frame count, audio codec or None, (width, height)) of a video file."""
    reader = ffmpeg().read_frames(str(path))
    meta = next(reader)
    count = sum(1 for _ in reader)
    return count, meta.get("audio_codec"), tuple(meta["size"])


def loss_trace(net, content, styles, config, **kw):
    """A transfer run's output and its (content, style) losses after every evaluation reported."""
    trace = []
    out = transfer_tensor(net, content, styles, config, seed=0,
                          callback=lambda p: trace.append((float(p.content), float(p.style))), **kw)
    return out, trace


def write_video_comment(path: Path, comment: str) -> None:
    """Replace the ``comment`` tag of the video at ``path`` (streams copied, not re-encoded), as another tool
    would write over it."""
    from dreamstyle.video.encode import ffmpeg_executable

    temporary = path.with_name(f"commented-{path.name}")
    subprocess.run([ffmpeg_executable(), "-y", "-v", "error", "-i", str(path), "-map", "0", "-c", "copy",
                    "-metadata", f"comment={comment}", str(temporary)], check=True, capture_output=True)
    os.replace(temporary, path)


def style_loss(feats, targets, layers):
    """Weighted mean over ``layers`` of the relative squared Gram error of ``feats`` against target Gram matrices."""
    from dreamstyle.styletransfer.losses import gram_matrix, style_loss_of_grams

    return style_loss_of_grams({name: gram_matrix(feats[name]) for name, _ in layers}, targets, layers)


def wait_until(condition, timeout: float = 120.0, every: float = 0.05, what: str = "the condition"):
    """Poll ``condition()`` until it returns something true, which is returned; fail after ``timeout`` s."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"{what} did not happen within {timeout} s")


# A dream small and short enough for tests: one octave of a few steps.
TINY_DREAM = {"octaves": 1, "iterations": 2, "jitter": 4}


def make_studio(tmp_path: Path, net, roots=(), **options):
    """A studio on ``tmp_path / "out"`` sharing the session's backbone; the test photos may be used."""
    from dreamstyle.studio import Studio
    from dreamstyle.studio.workspace import Workspace

    workspace = Workspace.create(tmp_path / "out", (DATA, *roots), **options.pop("workspace", {}))
    return Studio(workspace, net, **options)


def studio_client(studio, **options):
    """Starlette's test client of ``studio``'s app, sending the secret its own page sends with every change."""
    from starlette.testclient import TestClient

    from dreamstyle.studio import create_app
    from dreamstyle.studio.guard import SECRET_HEADER

    return TestClient(create_app(studio), headers={SECRET_HEADER: studio.secret}, **options)


@contextlib.contextmanager
def served(studio):
    """``studio`` served on a free port of 127.0.0.1 for the ``with`` block; its address."""
    from dreamstyle.studio.browser import serve_in_background

    url, server = serve_in_background(studio)
    try:
        yield url
    finally:
        server.should_exit = True


def playwright_with_chromium():
    """Playwright's sync API where a Chromium is here; elsewhere the calling test module is skipped, except
    under CI, where .ci/run installs Debian's chromium and a missing one is a failure."""
    from dreamstyle.studio.browser import chromium_path

    if chromium_path() is None:
        if os.environ.get("CI"):
            raise RuntimeError("no Chromium: .ci/run installs Debian's chromium before the tests")
        pytest.skip("no Chromium here (apt-get install chromium)", allow_module_level=True)
    return pytest.importorskip("playwright.sync_api")


@contextlib.contextmanager
def chromium(sync_api):
    """Headless Chromium (Debian's) for the ``with`` block."""
    from dreamstyle.studio.browser import launch_chromium

    with sync_api.sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            yield browser
        finally:
            browser.close()
