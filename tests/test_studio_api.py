"""dreamstyle studio's JSON API, endpoint by endpoint, through Starlette's test client (no browser)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import urllib.request

import pytest
from PIL import Image

pytest.importorskip("httpx2")

from dreamstyle.estimate import Cost  # noqa: E402
from dreamstyle.imaging import read_metadata  # noqa: E402
from dreamstyle.studio.browser import serve_in_background  # noqa: E402
from dreamstyle.studio.guard import SECRET_HEADER  # noqa: E402
from dreamstyle.studio.jobs import JobQueue  # noqa: E402
from dreamstyle.studio.work import pace  # noqa: E402

from .helpers import DATA, TINY_DREAM, make_clip, make_studio, studio_client, wait_until  # noqa: E402

PHOTO = str(DATA / "amber.jpg")
STYLE = str(DATA / "rocket.jpg")


def png_bytes(size=(40, 30), colour=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def studio(tmp_path, vgg19):
    return make_studio(tmp_path, vgg19)


@pytest.fixture
def client(studio):
    """A client whose app runs its worker (the lifespan runs inside ``with``)."""
    with studio_client(studio) as client:
        yield client


@pytest.fixture
def idle_client(tmp_path, vgg19):
    """A client whose worker never starts: every job stays queued."""
    studio = make_studio(tmp_path, vgg19, queue=JobQueue(limit=2))
    return studio_client(studio)


def finished(client, job_id):
    def ended():
        job = next(job for job in client.get("/api/jobs").json()["jobs"] if job["id"] == job_id)
        return job if job["state"] not in ("queued", "running") else None

    return wait_until(ended, what=f"job {job_id} ending")


def test_info_lists_every_preset_with_its_description_and_settings_and_the_layers(client):
    info = client.get("/api/info").json()
    dream_presets = {preset["name"]: preset for preset in info["presets"]["dream"]}
    assert "classic" in dream_presets and dream_presets["classic"]["description"]
    assert dream_presets["classic"]["config"]["octaves"] >= 1
    assert "photo" in {preset["name"] for preset in info["presets"]["transfer"]}
    assert {"name": "relu4_2", "channels": 512} in info["layers"]


def test_before_its_backbone_loads_the_studio_lists_the_chosen_networks_layers(tmp_path):
    from dreamstyle.backbone import BackboneChoice

    studio = make_studio(tmp_path, BackboneChoice(weights="vgg16-torchvision"))
    with studio_client(studio) as client:
        names = {layer["name"] for layer in client.get("/api/info").json()["layers"]}
    assert "relu5_3" in names and "relu5_4" not in names  # VGG16's, not VGG19's
    assert isinstance(studio.net, BackboneChoice)  # the answer loaded nothing


def test_the_page_and_its_files_are_served(client):
    page = client.get("/")
    assert page.status_code == 200 and "dreamstyle studio" in page.text
    assert client.get("/static/studio.js").status_code == 200


def test_an_upload_is_kept_by_its_content_and_served_back_as_a_thumbnail(client, studio):
    data = png_bytes((200, 150))
    first = client.post("/api/uploads", content=data, headers={"X-Filename": "red.png"})
    again = client.post("/api/uploads", content=data, headers={"X-Filename": "same.png"})
    assert first.status_code == 201 and first.json()["path"] == again.json()["path"]
    assert first.json()["path"].startswith("uploads/") and first.json()["path"].endswith("/red.png")
    assert (studio.workspace.outputs / first.json()["path"]).read_bytes() == data
    thumb = client.get("/api/file", params={"path": first.json()["path"], "thumb": 64})
    assert thumb.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(thumb.content)).size == (64, 48)


@pytest.mark.parametrize("data, name, status, words", [
    (b"this is not a picture", "notes.png", 415, ["notes.png", "not an image"]),
    (png_bytes(), "notes.txt", 415, ["notes.txt", "not an image or video file"]),
    (b"\0" * (2 * 2**20), "huge.png", 413, ["huge.png", "upload limit of 1 MiB"]),
])
def test_a_bad_upload_is_refused_with_a_message_naming_it_and_nothing_is_kept(tmp_path, vgg19, data, name, status,
                                                                              words):
    studio = make_studio(tmp_path, vgg19, workspace={"max_upload": 2**20})
    client = studio_client(studio)
    answer = client.post("/api/uploads", content=data, headers={"X-Filename": name})
    assert answer.status_code == status
    assert all(word in answer.json()["error"] for word in words), answer.json()
    assert list(studio.workspace.uploads.iterdir()) == []


def test_a_decompression_bomb_is_refused(client):
    buffer = io.BytesIO()
    Image.new("1", (20000, 20000)).save(buffer, format="PNG")  # 400 Mpx in a few KiB
    answer = client.post("/api/uploads", content=buffer.getvalue(), headers={"X-Filename": "bomb.png"})
    assert answer.status_code == 415 and "decompression bomb" in answer.json()["error"]


@pytest.mark.parametrize("path", ["/etc/passwd", "../../etc/passwd", "uploads/../../secret.png"])
def test_a_path_outside_the_outputs_folder_and_the_given_paths_is_refused(client, path):
    answer = client.get("/api/file", params={"path": path})
    assert answer.status_code == 403
    assert "outside the outputs folder" in answer.json()["error"]


def test_a_link_in_the_outputs_folder_cannot_lead_out_of_it(client, studio, tmp_path):
    secret = tmp_path / "secret.png"
    secret.write_bytes(png_bytes())
    (studio.workspace.outputs / "link.png").symlink_to(secret)
    assert client.get("/api/file", params={"path": "link.png"}).status_code == 403


def test_a_path_given_on_the_command_line_may_be_read(client):
    assert client.get("/api/file", params={"path": PHOTO}).status_code == 200


@pytest.mark.parametrize("body, words", [
    ({"kind": "paint"}, ["kind", "dream, transfer, atlas, clip"]),
    ({"kind": "dream"}, ["input", "choose a photo"]),
    ({"kind": "dream", "input": PHOTO, "settings": {"octavez": 2}}, ["settings", "octavez"]),
    ({"kind": "dream", "input": PHOTO, "settings": {"octaves": 0}}, ["octaves"]),
    ({"kind": "dream", "input": PHOTO, "preset": "../../etc/preset"}, ["preset", "classic"]),
    ({"kind": "dream", "input": PHOTO, "size": 99999}, ["size", "4096"]),
    ({"kind": "transfer", "input": PHOTO}, ["styles", "at least one"]),
    ({"kind": "transfer", "input": PHOTO, "styles": [STYLE], "masks": [PHOTO, PHOTO]}, ["masks", "one per style"]),
    ({"kind": "dream", "input": "/etc/hostname"}, ["outside the outputs folder"]),
    ({"kind": "clip", "input": PHOTO}, ["not a clip"]),
    ({"kind": "atlas", "layer": "relu9_9", "channels": "0-3"}, ["relu9_9"]),
    ({"kind": "atlas", "layer": "relu1_1", "channels": "60-70"}, ["relu1_1", "64"]),
    ({"kind": "dream", "input": PHOTO, "settings": {"layers": "relu9_9:1"}}, ["relu9_9"]),
    ([1, 2], ["JSON object"]),
])
def test_a_bad_job_request_is_refused_at_once_with_a_message_naming_the_field(idle_client, body, words):
    answer = idle_client.post("/api/jobs", json=body)
    assert answer.status_code in (400, 403)
    assert all(word in answer.json()["error"] for word in words), answer.json()
    assert idle_client.get("/api/jobs").json()["jobs"] == []


@pytest.mark.parametrize("body, setting", [
    ({"kind": "paint"}, "kind"),
    ({"kind": "dream", "input": PHOTO, "settings": {"octaves": 0}}, "octaves"),
    ({"kind": "dream", "input": PHOTO, "settings": {"layers": "relu9_9:1"}}, "layers"),
    ({"kind": "transfer", "input": PHOTO}, "styles"),
    ({"kind": "transfer", "input": PHOTO, "styles": [STYLE], "settings": {"style_weight": -1}}, "style_weight"),
])
def test_a_refused_request_names_the_setting_as_data_for_the_page_to_mark_its_field(idle_client, body, setting):
    answer = idle_client.post("/api/jobs", json=body)
    assert answer.status_code == 400 and answer.json()["setting"] == setting, answer.json()


def test_a_body_that_is_not_json_gets_a_message_not_a_stack_trace(idle_client):
    answer = idle_client.post("/api/jobs", content=b"{oops", headers={"Content-Type": "application/json"})
    assert answer.status_code == 400 and answer.json() == {"error": "the request body is not JSON"}


def test_a_full_queue_refuses_more_and_waiting_jobs_move_and_go(idle_client):
    body = {"kind": "dream", "input": PHOTO, "size": 48, "settings": TINY_DREAM}
    first, second = (idle_client.post("/api/jobs", json=body).json()["id"] for _ in range(2))
    full = idle_client.post("/api/jobs", json=body)
    assert full.status_code == 409 and "the queue is full" in full.json()["error"]
    idle_client.post(f"/api/jobs/{second}/move", json={"position": 0})
    assert [job["id"] for job in idle_client.get("/api/jobs").json()["jobs"]] == [second, first]
    assert idle_client.delete(f"/api/jobs/{first}").status_code == 200
    assert [job["id"] for job in idle_client.get("/api/jobs").json()["jobs"]] == [second]
    assert idle_client.post("/api/jobs/999/stop").status_code == 404


def test_the_history_passes_over_files_without_settings_and_a_damaged_video_is_a_clear_error(client, studio):
    outputs = studio.workspace.outputs
    (outputs / "broken.mp4").write_bytes(b"not a video")
    (outputs / "plain.png").write_bytes(png_bytes())
    assert client.get("/api/history").json() == []
    answer = client.get("/api/file", params={"path": "broken.mp4", "thumb": 64})
    assert answer.status_code == 400 and "broken.mp4: not a video dreamstyle can read" in answer.json()["error"]


def test_a_dream_runs_shows_previews_and_lands_in_the_history_with_settings_like_can_repeat(client, studio):
    body = {"kind": "dream", "input": PHOTO, "size": 48, "seed": 5, "settings": {**TINY_DREAM, "iterations": 3}}
    job = client.post("/api/jobs", json=body).json()
    done = finished(client, job["id"])
    assert done["state"] == "done" and done["preview"] >= 1
    assert done["progress"]["done"] == done["progress"]["total"] == 3 and done["progress"]["stage"] == "done"
    assert done["title"] == "dream amber.jpg (default preset, 48 px)"
    preview = client.get(f"/api/jobs/{job['id']}/preview")
    assert preview.headers["content-type"] == "image/jpeg"
    output = studio.workspace.outputs / done["result"]["output"]
    metadata = read_metadata(output)
    assert metadata["command"] == "dream" and metadata["seed"] == 5 and metadata["config"]["iterations"] == 3
    assert metadata["studio"]["input"] == PHOTO
    history = client.get("/api/history").json()
    assert history[0]["path"] == output.name and history[0]["metadata"]["seed"] == 5

    from dreamstyle import dream
    again = dream(PHOTO, like=output, backbone=studio.backbone())
    assert again.tobytes() == Image.open(output).convert("RGB").tobytes()


def test_a_stopped_job_keeps_its_picture_so_far(client, studio):
    body = {"kind": "dream", "input": PHOTO, "size": 64, "settings": {"octaves": 2, "iterations": 400}}
    job = client.post("/api/jobs", json=body).json()
    wait_until(lambda: client.get("/api/jobs").json()["jobs"][0]["progress"].get("done", 0) >= 2,
               what="a few steps")
    client.post(f"/api/jobs/{job['id']}/stop")
    stopped = finished(client, job["id"])
    assert stopped["state"] == "stopped" and stopped["result"]["stopped_at"] < 800
    kept = studio.workspace.outputs / stopped["result"]["output"]
    assert read_metadata(kept)["interrupted_at_step"] == stopped["result"]["stopped_at"]
    assert max(Image.open(kept).size) == 64


def test_a_transfer_with_painted_masks_saves_them_beside_the_result(client, studio):
    left = Image.new("L", (96, 96), 0)
    left.paste(255, (0, 0, 48, 96))
    buffer = io.BytesIO()
    left.save(buffer, format="PNG")
    mask = client.post("/api/uploads", content=buffer.getvalue(), headers={"X-Filename": "mask.png"}).json()["path"]
    body = {"kind": "transfer", "input": PHOTO, "styles": [STYLE], "masks": [mask], "size": 48,
            "settings": {"scales": 1, "iterations": 3}}
    done = finished(client, client.post("/api/jobs", json=body).json()["id"])
    assert done["state"] == "done", done
    output = studio.workspace.outputs / done["result"]["output"]
    beside = output.with_name(f"{output.stem}_mask1.png")
    assert beside.read_bytes() == (studio.workspace.outputs / mask).read_bytes()
    assert read_metadata(output)["studio"]["masks"] == [beside.name]


def test_an_atlas_says_where_each_channel_sits_on_its_sheet(client, studio):
    body = {"kind": "atlas", "layer": "relu3_1", "channels": "3,7", "tile": 32, "seed": 1,
            "settings": {"iterations": 1, "octaves": 1}}
    done = finished(client, client.post("/api/jobs", json=body).json()["id"])
    assert done["state"] == "done", done
    sheet = done["result"]["sheet"]
    assert done["result"]["channels"] == [3, 7] and len(sheet["corners"]) == 2
    assert Image.open(studio.workspace.outputs / done["result"]["output"]).size == tuple(sheet["size"])


def test_a_clip_on_disk_is_rendered_in_the_studios_process_and_listed_with_its_settings(tmp_path, vgg19,
                                                                                        monkeypatch):
    real_popen = subprocess.Popen

    def no_python_subprocess(command, *args, **kwargs):  # the video encoder's ffmpeg may run, no Python may
        assert sys.executable not in command and "dreamstyle" not in command, f"the studio started {command}"
        return real_popen(command, *args, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", no_python_subprocess)
    frames = tmp_path / "frames"
    frames.mkdir()
    for index in range(2):
        Image.open(PHOTO).convert("RGB").resize((48, 48)).rotate(index * 5).save(frames / f"{index:03d}.png")
    studio = make_studio(tmp_path, vgg19, roots=(frames,))
    with studio_client(studio) as client:
        body = {"kind": "clip", "command": "dream", "input": str(frames), "size": 48, "seed": 1,
                "settings": {"octaves": 1, "iterations": 1}}
        job = client.post("/api/jobs", json=body).json()
        assert job["title"] == "dream clip frames (2 frames, default preset, 48 px)"
        done = finished(client, job["id"])
        assert done["state"] == "done", done
        output = done["result"]["output"]
        entry = client.get("/api/history").json()[0]
        assert (entry["path"], entry["clip"]) == (output, True)  # the clip's settings, read from the video itself
        assert entry["metadata"]["seed"] == 1 and entry["metadata"]["studio"]["input"] == str(frames)
        thumb = client.get("/api/file", params={"path": output, "thumb": 64})
        assert thumb.headers["content-type"] == "image/jpeg" and Image.open(io.BytesIO(thumb.content)).size == (48, 48)
        part = client.get("/api/file", params={"path": output}, headers={"Range": "bytes=0-99"})
        assert part.status_code == 206 and part.headers["content-type"] == "video/mp4" and len(part.content) == 100


def test_a_stopped_clip_keeps_its_frames_and_the_same_clip_submitted_again_continues(tmp_path, vgg19):
    frames = tmp_path / "frames"
    frames.mkdir()
    for index in range(4):
        Image.open(PHOTO).convert("RGB").resize((48, 48)).rotate(index * 5).save(frames / f"{index:03d}.png")
    studio = make_studio(tmp_path, vgg19, roots=(frames,))
    body = {"kind": "clip", "command": "dream", "input": str(frames), "size": 48, "seed": 1,
            "settings": {"octaves": 1, "iterations": 40}}
    with studio_client(studio) as client:
        job = client.post("/api/jobs", json=body).json()
        wait_until(lambda: client.get("/api/jobs").json()["jobs"][0]["progress"].get("done", 0) >= 1,
                   what="a finished frame")
        client.post(f"/api/jobs/{job['id']}/stop")
        stopped = finished(client, job["id"])
        assert stopped["state"] == "stopped" and stopped["result"]["output"] is None
        kept = sorted((studio.workspace.outputs / stopped["result"]["frames_folder"]).glob("0*.png"))
        assert 1 <= len(kept) < 4
        again = finished(client, client.post("/api/jobs", json=body).json()["id"])
        assert again["state"] == "done", again
        assert again["progress"]["done"] == 4


def test_the_event_stream_sends_the_queue_at_once_then_each_change(tmp_path, vgg19):
    studio = make_studio(tmp_path, vgg19)
    url, server = serve_in_background(studio)

    def post(path: str, body: dict) -> dict:
        request = urllib.request.Request(f"{url}{path}", json.dumps(body).encode(), method="POST",
                                         headers={"Content-Type": "application/json", SECRET_HEADER: studio.secret})
        with urllib.request.urlopen(request, timeout=60) as answer:
            return json.load(answer)

    try:
        with urllib.request.urlopen(f"{url}/api/events", timeout=60) as stream:
            assert stream.headers["Content-Type"].startswith("text/event-stream")
            events = [_next_event(stream)]
            assert events[0]["jobs"] == []
            job = post("/api/jobs", {"kind": "dream", "input": PHOTO, "size": 64,
                                     "settings": {"octaves": 2, "iterations": 400}})
            events += _events_until(stream, lambda jobs: jobs and jobs[0]["progress"].get("done", 0) >= 2)
            post(f"/api/jobs/{job['id']}/stop", {})
            events += _events_until(stream, lambda jobs: jobs[0]["state"] == "stopped")
    finally:
        server.should_exit = True
    versions = [event["version"] for event in events]
    assert versions == sorted(set(versions))  # an event only when something changed
    steps = [event["jobs"][0]["progress"].get("done", 0) for event in events[1:]]
    assert steps == sorted(steps) and len(set(steps)) >= 2  # the running job's progress, as it grows
    assert events[-1]["jobs"][0]["id"] == job["id"] and events[-1]["jobs"][0]["result"]["stopped_at"] < 800


def _events_until(stream, condition) -> list[dict]:
    """Server-sent events up to the first whose jobs meet ``condition``."""
    events = [_next_event(stream)]
    while not condition(events[-1]["jobs"]):
        events.append(_next_event(stream))
    return events


def _next_event(stream) -> dict:
    """The next server-sent event's data, as JSON."""
    lines = []
    while True:
        line = stream.readline().decode()
        assert line, "the event stream ended"
        if line == "\n" and lines:
            return json.loads("".join(lines))
        if line.startswith("data: "):
            lines.append(line.removeprefix("data: "))


def test_without_its_token_or_from_another_host_nothing_is_answered(tmp_path, vgg19):
    studio = make_studio(tmp_path, vgg19, token="sesame", hosts=("127.0.0.1:8765",))
    client = studio_client(studio, base_url="http://127.0.0.1:8765")
    assert client.get("/api/info").status_code == 403
    page = client.get("/?token=sesame")
    assert page.status_code == 200 and client.get("/api/info").status_code == 200  # the cookie carries it on
    other = studio_client(studio, base_url="http://evil.example:8765")
    answer = other.get("/?token=sesame")
    assert answer.status_code == 403 and "answers only at 127.0.0.1:8765" in answer.json()["error"]


def test_a_stopped_atlas_keeps_the_cells_made_so_far_and_is_listed_in_the_history_to_reopen(client, studio):
    body = {"kind": "atlas", "layer": "relu3_1", "channels": "0-19", "tile": 32, "seed": 3,
            "settings": {"iterations": 200, "octaves": 1}}
    job = client.post("/api/jobs", json=body).json()
    wait_until(lambda: client.get("/api/jobs").json()["jobs"][0]["progress"].get("done", 0) >= 2, what="a few steps")
    client.post(f"/api/jobs/{job['id']}/stop")
    stopped = finished(client, job["id"])
    assert stopped["state"] == "stopped", stopped
    # The first batch of 16 channels, as far as it got; the next batch was never begun.
    assert stopped["result"]["channels"] == list(range(16)) and len(stopped["result"]["sheet"]["corners"]) == 16
    sheet = Image.open(studio.workspace.outputs / stopped["result"]["output"])
    assert sheet.size == tuple(stopped["result"]["sheet"]["size"])
    entry = client.get("/api/history").json()[0]
    assert entry["path"] == stopped["result"]["output"]
    assert entry["metadata"]["command"] == "atlas" and entry["metadata"]["sheet"] == stopped["result"]["sheet"]
    assert entry["metadata"]["stopped_after_channels"] == 16 and entry["metadata"]["seed"] == 3


def test_a_dropped_video_is_kept_and_listed_among_the_clips_with_frame_folders(client, studio, tmp_path):
    video = make_clip(tmp_path / "walk.mp4", count=3, audio=False)
    answer = client.post("/api/uploads", content=video.read_bytes(), headers={"X-Filename": "walk.mp4"})
    assert answer.status_code == 201, answer.json()
    frames = studio.workspace.outputs / "frames"
    frames.mkdir()
    for index in range(2):
        Image.new("RGB", (32, 32)).save(frames / f"{index}.png")
    listed = {clip["path"]: clip["name"] for clip in client.get("/api/clips").json()}
    assert listed[answer.json()["path"]] == "walk.mp4" and listed["frames"] == "frames/"
    broken = client.post("/api/uploads", content=b"not a video", headers={"X-Filename": "broken.mp4"})
    assert broken.status_code == 415 and "broken.mp4" in broken.json()["error"]


def test_clear_finished_forgets_every_ended_job_and_keeps_the_waiting(idle_client):
    body = {"kind": "dream", "input": PHOTO, "size": 48, "settings": TINY_DREAM}
    first, second = (idle_client.post("/api/jobs", json=body).json()["id"] for _ in range(2))
    idle_client.post(f"/api/jobs/{first}/stop")  # a waiting job stopped: ended
    assert idle_client.delete("/api/jobs").status_code == 200
    assert [job["id"] for job in idle_client.get("/api/jobs").json()["jobs"]] == [second]


def test_the_time_left_counts_later_octaves_as_the_larger_pictures_they_are():
    work = Cost(("relu4_2",), ((10, 10, 4), (20, 20, 4)))  # the second octave's steps cost four times the first's
    assert work.share_done(4) == pytest.approx(100 * 4 / (100 * 4 + 400 * 4))
    assert work.share_done(0) == 0 and work.share_done(8) == 1
    import time
    started = time.monotonic() - 10.0  # the first octave took 10 s
    assert pace(4, 8, started, work)["eta"] == pytest.approx(40.0, rel=0.01)  # not the 10 s a step count says
    assert pace(4, 8, started)["eta"] == pytest.approx(10.0, rel=0.01)


class RecordingControl:
    """A job's control that records every report the work makes, never stopped and always due."""

    def __init__(self) -> None:
        self.reports: list[tuple[str, bool]] = []
        self.job = type("Job", (), {"progress": {}})()

    def check(self) -> None:
        pass

    def due(self) -> bool:
        return True

    def report(self, progress, image=None) -> None:
        self.reports.append((progress["stage"], image is not None))


def test_a_transfer_shows_the_instant_picture_first_then_the_optimisation(studio, vgg19):
    from dreamstyle.runs import RunRequest
    from dreamstyle.studio.work import StillWork

    control = RecordingControl()
    work = StillWork("transfer", DATA / "amber.jpg", studio.workspace, lambda: vgg19,
                     RunRequest(size=48, settings={"scales": 1, "iterations": 2}), styles=(DATA / "rocket.jpg",))
    work.run(control)
    stages = [stage for stage, _ in control.reports]
    assert control.reports[0] == ("instant preview", True)
    assert stages[-1] == "done" and any(stage.startswith("scale") for stage in stages[1:-1])
