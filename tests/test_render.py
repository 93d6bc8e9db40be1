"""The library's one render path: requests prepared alike by every front end, and batches and clips rendered by
:func:`dreamstyle.video.render.render` with progress events, stops and resumes."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from dreamstyle import dream
from dreamstyle.deepdream.request import DreamRequest
from dreamstyle.errors import InvalidArgumentError
from dreamstyle.imaging import read_metadata
from dreamstyle.runs import RunStopped
from dreamstyle.transfer_request import TransferRequest
from dreamstyle.video import open_source
from dreamstyle.video.config import Delivery, TemporalConfig
from dreamstyle.video.render import PictureDone, PictureStarted, Planned, Step, render

from .helpers import DATA, pan_frames, run

QUICK = {"octaves": 1, "iterations": 2, "seed": 3}


@pytest.fixture
def frames(tmp_path) -> Path:
    folder = tmp_path / "frames"
    folder.mkdir()
    for index, pixels in enumerate(pan_frames(4, width=48, height=32)):
        Image.fromarray(pixels).save(folder / f"frame_{index:03d}.png")
    return folder


def rendered(frames: Path, output: Path, vgg19, events: list, **delivery) -> None:
    source = open_source([frames])
    render(DreamRequest.of(frames=source.info.count, **QUICK), source, Delivery(output, **delivery), inputs=(frames,),
           backbone=vgg19, events=events.append)


def test_a_clip_tells_its_plan_then_each_frame_starting_stepping_and_done(frames, tmp_path, vgg19):
    events = []
    rendered(frames, tmp_path / "out", vgg19, events, notes={"studio": {"input": "frames"}})
    planned = events[0]
    assert isinstance(planned, Planned) and (planned.total, planned.done, planned.batch) == (4, 0, False)
    assert planned.sizes == ((32, 48),) * 4
    started = [event.index for event in events if isinstance(event, PictureStarted)]
    done = [event for event in events if isinstance(event, PictureDone)]
    assert started == [0, 1, 2, 3] and [event.index for event in done] == [0, 1, 2, 3]
    assert all(isinstance(event, Step) for event in events if not isinstance(event, (Planned, PictureStarted,
                                                                                          PictureDone)))
    assert done[-1].path == tmp_path / "out" / "000003.png" and done[-1].image.shape == (1, 3, 32, 48)
    assert read_metadata(done[-1].path)["studio"] == {"input": "frames"}  # the caller's notes go with every frame


def test_a_stopped_clip_keeps_its_frames_and_the_same_call_continues_to_the_same_pictures(frames, tmp_path, vgg19):
    whole = []
    rendered(frames, tmp_path / "whole", vgg19, whole)

    def stop_in_frame_two(event) -> None:
        if isinstance(event, Step) and event.index == 2:
            raise RunStopped

    with pytest.raises(RunStopped):
        rendered(frames, tmp_path / "parts", vgg19, _Recorder(stop_in_frame_two))
    assert sorted(path.name for path in (tmp_path / "parts").glob("0*.png")) == ["000000.png", "000001.png"]
    again = []
    rendered(frames, tmp_path / "parts", vgg19, again)
    assert again[0].done == 2 and [e.index for e in again if isinstance(e, PictureStarted)] == [2, 3]
    for name in ("000002.png", "000003.png"):
        assert (tmp_path / "parts" / name).read_bytes() == (tmp_path / "whole" / name).read_bytes()


class _Recorder(list):
    """An event list whose ``append`` also runs ``action`` (which may stop the run)."""

    def __init__(self, action):
        super().__init__()
        self.action = action

    def append(self, event) -> None:
        super().append(event)
        self.action(event)


def test_a_folder_of_photos_is_a_batch_named_after_its_photos(tmp_path, vgg19):
    photos = tmp_path / "photos"
    photos.mkdir()
    Image.open(DATA / "chelsea.png").convert("RGB").resize((40, 30)).save(photos / "cat.png")
    Image.open(DATA / "brick.png").convert("RGB").resize((30, 30)).save(photos / "wall.png")
    source = open_source([photos])
    events = []
    result = render(DreamRequest.of(frames=source.info.count, **QUICK), source, Delivery(tmp_path / "out"),
                    inputs=(photos,), backbone=vgg19, events=events.append)
    assert events[0].batch and events[0].sizes == ((30, 40), (30, 30)) and result.written == 2
    assert read_metadata(tmp_path / "out" / "wall.png")["input"] == "wall.png"
    with pytest.raises(InvalidArgumentError) as refused:
        render(DreamRequest.of(frames=2, **QUICK), source, Delivery(tmp_path / "other"), inputs=(photos,),
               temporal=TemporalConfig("blend"), backbone=vgg19)
    assert refused.value.setting == "temporal"  # the setting is data, for a front end to point at


def test_a_clip_written_over_an_input_is_refused_before_any_work(frames, vgg19):
    source = open_source([frames])
    events = []
    with pytest.raises(InvalidArgumentError, match="is an input"):
        render(DreamRequest.of(frames=4, **QUICK), source, Delivery(frames), inputs=(frames,), backbone=vgg19,
               events=events.append)
    assert events == []


def test_the_python_api_and_the_command_line_store_the_same_settings(tmp_path, vgg19):
    photo = DATA / "chelsea.png"
    output = tmp_path / "cli.png"
    result = run("dream", str(photo), "-o", str(output), "--size", "40", "--octaves", "1", "--iterations", "2",
                 "--seed", "3", "--precision", "fp32", "--device", "cpu", "-q")
    assert result.exit_code == 0, result.output
    from_python = dream(photo, size=40, octaves=1, iterations=2, seed=3, backbone=vgg19).info["dreamstyle"]
    from_cli = read_metadata(output)
    if str(vgg19.device) == "cpu" and vgg19.precision == "fp32":
        assert from_python == from_cli
    else:
        assert {k: v for k, v in from_python.items() if k not in ("device", "precision")} == \
            {k: v for k, v in from_cli.items() if k not in ("device", "precision")}


def test_a_transfer_request_reads_its_styles_once_and_names_the_files_it_reads(vgg19):
    request = TransferRequest.of([str(DATA / "mosaic.jpg"), "builtin:3"], size=32, seed=1, still=True)
    assert request.style_names == ("mosaic.jpg", "builtin:3")
    assert request.files == (DATA / "mosaic.jpg",)  # a built-in style is no file
    assert request.styles[0].shape[:2] == (1, 3)
