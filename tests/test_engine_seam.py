"""A new engine is a package and one registry line: one written here runs through every front end untouched."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import pytest
import torch

from dreamstyle import engines
from dreamstyle.estimate import Cost
from dreamstyle.imaging import read_image, read_metadata, write_image
from dreamstyle.runs import RunRequest, render_still
from dreamstyle.transfer_request import TransferRequest
from dreamstyle.video.config import TRANSFER_TEMPORAL, Delivery, TemporalConfig
from dreamstyle.video.render import PictureDone, Planned, Step, render
from dreamstyle.video.sources import open_source

from .helpers import DATA, assert_one_error_line, make_studio, run


@dataclass(frozen=True)
class InvertConfig:
    """The settings of an engine that paints a photo's negative, ``strength`` of the way."""

    strength: float = 1.0
    style_blend: tuple[float, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"strength": self.strength, "style_blend": ""}

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> "InvertConfig":
        return cls(strength=float(values.get("strength", 1.0)))


@dataclass(frozen=True)
class InvertProgress:
    size: tuple[int, int]
    image: torch.Tensor
    iteration: int = 1
    iterations: int = 1
    run_done: int = 1
    run_total: int = 1

    def stage(self) -> str:
        return "inverted"

    def losses(self) -> dict[str, float]:
        return {}

    def status(self) -> str:
        return "inverted"


@dataclass(frozen=True)
class PreparedInvert:
    request: TransferRequest
    run: Any
    net: Any

    def metadata(self, **extra: Any) -> dict[str, Any]:
        return self.run.metadata(self.net, styles=list(self.request.style_names), **extra)

    def still(self, batch: torch.Tensor, callback: Callable[[Any], None] | None) -> torch.Tensor:
        out = torch.lerp(batch, 1.0 - batch, self.run.config.strength)
        if callback is not None:
            callback(InvertProgress(tuple(out.shape[-2:]), out))
        return out

    def cost(self, height: int, width: int) -> Cost:
        return Cost(("relu1_1",), ((height, width, 1),))

    def later_cost(self, height: int, width: int, temporal: TemporalConfig) -> Cost:
        return self.cost(height, width)

    def renderer(self, temporal: TemporalConfig):
        return lambda index, frame, previous, callback: self.still(frame, callback)

    @property
    def temporal_defaults(self) -> TemporalConfig:
        return TRANSFER_TEMPORAL

    def preview(self) -> None:
        return None


@pytest.fixture
def invert(monkeypatch):
    """The registry with the engine above added under the name ``invert``, for the transfer command."""
    entry = engines.Engine("invert", "transfer", InvertConfig, f"{__name__}:PreparedInvert")
    monkeypatch.setattr(engines, "ENGINES", MappingProxyType({**engines.ENGINES, "invert": entry}))
    return entry


def _frames(tmp_path, count: int = 3):
    folder = tmp_path / "frames"
    folder.mkdir()
    photo = read_image(DATA / "chelsea.png", size=48)
    for index in range(count):
        write_image(photo, folder / f"frame_{index:03d}.png")
    return folder


def test_an_engine_written_here_runs_a_clip_through_the_command_line(invert, tmp_path):
    preset = tmp_path / "negative.toml"
    preset.write_text('description = "a negative"\nengine = "invert"\nstrength = 1.0\n')
    frames, out = _frames(tmp_path), tmp_path / "painted"
    result = run("transfer", str(frames), str(DATA / "mosaic.jpg"), "--preset", str(preset), "-o", str(out),
                 "--device", "cpu", "--precision", "fp32")
    assert result.exit_code == 0, result.output
    assert "transfer: frames -> " in result.stderr and "3 frames, 0 already done" in result.stderr
    written = sorted(out.glob("*.png"))
    assert len(written) == 3
    source = read_image(frames / "frame_000.png").batch()
    assert torch.allclose(read_image(written[0]).batch(), 1.0 - source, atol=1 / 255)
    settings = read_metadata(written[0])
    assert settings["config"] == {"engine": "invert", "strength": 1.0, "style_blend": ""}


def test_an_engine_written_here_renders_through_the_renderer_with_its_events(invert, vgg19, tmp_path):
    request = TransferRequest.of([DATA / "mosaic.jpg"], engine="invert", strength=0.5, frames=3)
    events = []
    rendered = render(request, open_source([_frames(tmp_path)]), Delivery(output=tmp_path / "out"),
                      backbone=vgg19, events=events.append)
    assert rendered.written == 3
    planned = next(event for event in events if isinstance(event, Planned))
    assert planned.prepared.run.engine == "invert" and isinstance(planned.prepared, PreparedInvert)
    assert [event.progress.stage() for event in events if isinstance(event, Step)] == ["inverted"] * 3
    done = [event for event in events if isinstance(event, PictureDone)]
    assert [event.index for event in done] == [0, 1, 2]


def test_an_engine_written_here_is_a_studio_job_and_its_settings_are_checked(invert, vgg19, tmp_path):
    from dreamstyle.errors import InvalidArgumentError
    from dreamstyle.studio.requests import work_of
    from dreamstyle.studio.work import StillWork

    from .test_studio_api import RecordingControl

    studio = make_studio(tmp_path, vgg19)
    body = {"kind": "transfer", "input": str(DATA / "chelsea.png"), "styles": [str(DATA / "mosaic.jpg")],
            "size": 40, "settings": {"engine": "invert", "strength": 0.25}}
    work = work_of(body, studio.workspace, studio.backbone)
    assert isinstance(work, StillWork)
    control = RecordingControl()
    result = work.run(control)
    assert [stage for stage, _ in control.reports] == ["inverted", "done"]  # its own stage; no preview: it has none
    written = read_metadata(studio.workspace.outputs / result["output"])
    assert written["config"]["engine"] == "invert" and written["config"]["strength"] == 0.25
    with pytest.raises(InvalidArgumentError, match="engine"):
        work_of({**body, "settings": {"engine": "nothing"}}, studio.workspace, studio.backbone)


def test_an_engine_written_here_paints_a_still_from_python(invert, vgg19):
    request = TransferRequest.of([DATA / "mosaic.jpg"], engine="invert", strength=1.0, still=True)
    picture = render_still(request.prepare(vgg19), DATA / "chelsea.png")
    assert picture.info["dreamstyle"]["config"]["engine"] == "invert"
    assert RunRequest(settings={"engine": "invert"}).resolve("transfer").engine == "invert"


def test_an_engine_the_registry_does_not_list_is_one_error_line_that_blames_the_preset_naming_it(tmp_path):
    preset = tmp_path / "typo.toml"
    preset.write_text('description = "a typo"\nengine = "instnat"\n')
    result = run("transfer", str(DATA / "chelsea.png"), str(DATA / "mosaic.jpg"), "--preset", str(preset),
                 "-o", str(tmp_path / "out.png"))
    assert_one_error_line(result, f"--preset {preset}", "engine must be one of gatys, instant, got 'instnat'")
    assert not (tmp_path / "out.png").exists()


def test_an_output_made_before_transfers_named_their_engine_is_like_a_gatys_run_whatever_the_preset():
    older = {"command": "transfer", "seed": 1, "config": {"iterations": 10}}  # no "engine": before there were two
    assert RunRequest(preset="instant", like=older).resolve("transfer").engine == "gatys"
    assert RunRequest(preset="instant").resolve("transfer").engine == "instant"
    assert RunRequest(like=older, settings={"engine": "instant"}).resolve("transfer").engine == "instant"
