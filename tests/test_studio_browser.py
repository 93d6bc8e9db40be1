"""dreamstyle studio in a real browser: headless Chromium (Debian's) driven by Playwright, against a live server.

Run locally after ``apt-get install chromium`` (or with $DREAMSTYLE_CHROMIUM naming another Chromium); without one
these tests are skipped, except under CI, where a missing browser fails them.
"""

from __future__ import annotations

import base64

import pytest
from PIL import Image

from dreamstyle.imaging import read_metadata

from .helpers import DATA, chromium, make_clip, make_studio, pan_frames, playwright_with_chromium, served

sync_api = playwright_with_chromium()

PHOTO = DATA / "amber.jpg"


@pytest.fixture(scope="module")
def server(tmp_path_factory, vgg19):
    studio = make_studio(tmp_path_factory.mktemp("studio"), vgg19)
    with served(studio) as url:
        yield url, studio


@pytest.fixture(scope="module")
def browser():
    with chromium(sync_api) as browser:
        yield browser


@pytest.fixture
def page(browser, server):
    """The studio's page, loaded; afterwards, every request it made must have gone to the studio."""
    url, _ = server
    # Playwright's wait_for_function evaluates its text with eval(), which the studio's Content-Security-Policy
    # forbids; these tests drive the page, and test_studio_hostile_pages checks the policy itself.
    context = browser.new_context(viewport={"width": 1400, "height": 900}, bypass_csp=True)
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(url)
    page.wait_for_selector("body[data-ready='1']")
    yield page
    context.close()
    elsewhere = [request for request in requests if not request.startswith((url + "/", "data:", "blob:"))]
    assert elsewhere == [], f"the page fetched from outside the studio: {elsewhere}"


def drop_file(page, selector: str, path) -> None:
    """Drop ``path`` on ``selector`` as a person dragging it from their files would."""
    data = base64.b64encode(path.read_bytes()).decode()
    transfer = page.evaluate_handle(
        """([data, name]) => {
            const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], name, { type: "image/jpeg" }));
            return transfer;
        }""", [data, path.name])
    page.dispatch_event(selector, "drop", {"dataTransfer": transfer})


def job_states(page) -> list[str]:
    return page.eval_on_selector_all("#queue li", "items => items.map(item => item.className)")


def test_the_page_opens_with_its_presets_and_layers(page):
    assert page.locator("#form-dream select[name=preset] option").count() >= 5
    page.click("#tabs button[data-tab=transfer]")
    assert page.is_visible("#form-transfer") and not page.is_visible("#form-dream")
    page.select_option("#form-transfer select[name=preset]", "photo")
    assert "Photorealistic" in page.text_content("#form-transfer .description")
    assert page.input_value("#form-transfer select[name=init]") == "recoloured"
    page.click("#tabs button[data-tab=atlas]")
    assert "relu4_2 (512 channels)" in page.inner_text("#form-atlas select[name=layer]")


def test_a_dropped_photo_dreams_grows_in_place_and_lands_in_the_history_whose_settings_reload(page, server):
    _, studio = server
    drop_file(page, "#form-dream .drop[data-role=photo]", PHOTO)
    page.wait_for_selector("#form-dream .drop.has")
    page.select_option("#form-dream select[name=preset]", "soft")
    assert "stays readable" in page.text_content("#form-dream .description")
    for name, value in (("size", "64"), ("octaves", "2"), ("iterations", "24"), ("seed", "1234")):
        page.fill(f"#form-dream input[type=number][name={name}]", value)
    page.click("#run")
    # Two previews while it runs, then the result: the picture changed in place at least twice.
    page.wait_for_function("Number(document.querySelector('#preview').dataset.loads || 0) >= 3", timeout=120_000)
    page.wait_for_function("document.querySelector('#preview').dataset.result", timeout=120_000)
    output = page.get_attribute("#preview", "data-result")
    page.wait_for_selector(f"#history button[data-path='{output}']")
    assert read_metadata(studio.workspace.outputs / output)["preset"] == "soft"

    page.reload()
    page.wait_for_selector("body[data-ready='1']")
    page.click(f"#history button[data-path='{output}']")
    assert page.is_visible("#viewer") and page.get_attribute("#viewer-download", "download") == output
    page.click("#viewer-like")
    assert page.input_value("#form-dream input[type=number][name=seed]") == "1234"
    # Its octaves and iterations depart from the preset's, so the menu says so, and the run starts from soft.
    assert page.input_value("#form-dream select[name=preset]") == "custom"
    assert page.text_content("#form-dream select[name=preset] option[value=custom]") == "custom (from soft)"
    assert page.get_attribute("#form-dream", "data-preset") == "soft"
    assert page.input_value("#form-dream input[type=number][name=iterations]") == "24"
    page.wait_for_selector("#form-dream .drop.has img")  # the photo it was made from, loaded again


def test_a_refused_setting_is_marked_on_its_field_until_a_run_is_accepted(page):
    drop_file(page, "#form-dream .drop[data-role=photo]", PHOTO)
    page.wait_for_selector("#form-dream .drop.has")
    page.fill("#form-dream input[type=number][name=size]", "64")
    page.fill("#form-dream input[type=number][name=octaves]", "0")
    page.click("#run")
    page.wait_for_selector("#form-dream [name=octaves][aria-invalid=true]")
    assert "octaves must be at least 1" in page.text_content("#message")
    assert page.locator("[aria-invalid=true]").count() == 1
    page.fill("#form-dream input[type=number][name=octaves]", "1")
    page.fill("#form-dream input[type=number][name=iterations]", "1")
    page.click("#run")
    page.wait_for_selector("#form-dream [name=octaves]:not([aria-invalid])")
    page.wait_for_function("document.querySelector('#preview').dataset.result", timeout=120_000)


def test_stop_ends_a_running_job_and_keeps_its_picture(page, server):
    _, studio = server
    page.set_input_files("#form-dream .drop[data-role=photo] input[type=file]", str(PHOTO))
    page.wait_for_selector("#form-dream .drop.has")
    page.fill("#form-dream input[type=number][name=size]", "64")
    page.fill("#form-dream input[type=number][name=iterations]", "50")
    page.fill("#form-dream input[type=number][name=octaves]", "8")
    page.click("#form-dream details summary")  # the rest of the settings, folded away
    page.fill("#form-dream input[type=number][name=octave_scale]", "1.1")
    page.click("#run")
    page.wait_for_selector("#queue li.running")
    page.wait_for_function("Number(document.querySelector('#preview').dataset.loads || 0) >= 1", timeout=60_000)
    page.click("#stop")
    page.wait_for_selector("#queue li.stopped", timeout=60_000)
    page.wait_for_function("document.querySelector('#preview').dataset.result", timeout=60_000)
    kept = studio.workspace.outputs / page.get_attribute("#preview", "data-result")
    assert "interrupted_at_step" in read_metadata(kept)


def test_a_painted_mask_is_white_where_painted_and_black_elsewhere(page, server):
    _, studio = server
    page.set_input_files("#form-dream .drop[data-role=photo] input[type=file]", str(PHOTO))
    page.wait_for_selector("#form-dream .drop.has")
    page.click(".paint[data-mask=dream]")
    paint_across(page, brush=30, left=0.1, right=0.3)
    page.wait_for_function("document.querySelector('#form-dream .mask-state').textContent.includes('painted')")
    mask = Image.open(studio.workspace.outputs / page.evaluate("studio.dreamMask.path")).convert("L")
    width, height = mask.size
    assert mask.getpixel((int(width * 0.2), height // 2)) == 255
    assert mask.getpixel((int(width * 0.8), height // 2)) == 0
    assert (width, height) == Image.open(PHOTO).size


def test_a_clip_renders_then_plays_and_its_settings_reload_from_the_history(page, server):
    _, studio = server
    frames = studio.workspace.outputs / "pan"
    frames.mkdir()
    for index, pixels in enumerate(pan_frames(3, width=48, height=36)):
        Image.fromarray(pixels).save(frames / f"{index:06d}.png")
    for name, value in (("size", "48"), ("octaves", "1"), ("iterations", "2"), ("seed", "77")):
        page.fill(f"#form-dream input[type=number][name={name}]", value)
    page.click("#tabs button[data-tab=clip]")
    page.click("#tabs button[data-tab=dream]")
    page.click("#tabs button[data-tab=clip]")
    page.evaluate("refreshClips()")  # the folder was made after the page loaded
    page.wait_for_selector("#form-clip select[name=input] option[value='pan']", state="attached")
    page.select_option("#form-clip select[name=input]", "pan")
    page.select_option("#form-clip select[name=command]", "dream")
    page.click("#run")
    page.wait_for_function("document.querySelector('#preview').dataset.result", timeout=180_000)
    output = page.get_attribute("#preview", "data-result")
    assert output == "pan_dream.mp4" and "3/3" in page.text_content("#status")  # frames done of all
    page.wait_for_function("document.querySelector('#stage-video').readyState >= 2")  # Chromium decodes it

    page.select_option("#form-clip select[name=input]", "")
    page.click("#tabs button[data-tab=dream]")
    page.fill("#form-dream input[type=number][name=seed]", "1")
    page.click(f"#history button.clip[data-path='{output}']")
    assert page.is_visible("#viewer-video") and not page.is_visible("#compare")
    page.click("#viewer-like")
    page.wait_for_selector("#form-clip", state="visible")  # once the list of clips is fetched again
    assert page.input_value("#form-clip select[name=input]") == "pan"
    assert page.input_value("#form-dream input[type=number][name=seed]") == "77"


def paint_across(page, brush: int, left: float, right: float) -> None:
    """A stroke across the middle of the painter's canvas from ``left`` to ``right`` (shares of its width),
    then the mask is kept."""
    box = page.locator("#painter-canvas").bounding_box()
    page.fill("#brush", str(brush))
    page.mouse.move(box["x"] + box["width"] * left, box["y"] + box["height"] * 0.5)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * right, box["y"] + box["height"] * 0.5, steps=8)
    page.mouse.up()
    page.click("#painter-done")


def next_result(page, before: str | None) -> str:
    page.wait_for_function(f"(document.querySelector('#preview').dataset.result || '') !== {before or ''!r}"
                           " && document.querySelector('#preview').dataset.result", timeout=180_000)
    return page.get_attribute("#preview", "data-result")


def test_like_this_one_restores_a_masked_transfer_which_then_repeats_bit_for_bit(page, server):
    _, studio = server
    page.click("#tabs button[data-tab=transfer]")
    page.set_input_files("#form-transfer .drop[data-role=photo] input[type=file]", str(PHOTO))
    page.wait_for_selector("#form-transfer .drop.has")
    for style in ("rocket.jpg", "mosaic.jpg"):
        page.set_input_files("#form-transfer .drop[data-role=style] input[type=file]", str(DATA / style))
    page.wait_for_function("document.querySelectorAll('#styles .style').length === 2")
    page.click("#styles .style:nth-child(1) .paint")
    paint_across(page, brush=200, left=0.05, right=0.3)
    page.wait_for_function("document.querySelector('#styles .style .mask-state').textContent === 'mask painted'")
    assert page.text_content("#styles .style:nth-child(2) .mask-state") == "nowhere: paint its region"
    assert page.locator("#run").is_visible()  # Run stays in view with two styles
    for name, value in (("size", "48"), ("scales", "1"), ("iterations", "3"), ("seed", "5")):
        page.fill(f"#form-transfer input[type=number][name={name}]", value)
    page.click("#run")
    first = next_result(page, None)
    assert page.get_attribute("#bar div", "style").endswith("width: 100%;")  # a finished job: full progress
    assert f"wrote {first}" in page.text_content("#status")

    page.reload()
    page.wait_for_selector("body[data-ready='1']")
    page.click(f"#history button[data-path='{first}']")
    assert page.locator("#viewer-settings dt", has_text="seed").count() == 1  # a list to read, not JSON
    page.click("#viewer-like")
    page.wait_for_function("document.querySelectorAll('#styles .style .mask-state').length === 2"
                           " && document.querySelector('#styles .mask-state').textContent === 'mask painted'")
    assert page.text_content("#styles .style:nth-child(2) .mask-state") == "nowhere: paint its region"
    page.click("#run")
    second = next_result(page, first)
    assert second != first
    pictures = [Image.open(studio.workspace.outputs / name) for name in (first, second)]
    assert pictures[0].tobytes() == pictures[1].tobytes()
    assert read_metadata(studio.workspace.outputs / second)["config"] == read_metadata(
        studio.workspace.outputs / first)["config"]

    page.click(f"#queue li[data-job] >> text={first}")  # a finished job, clicked: its picture again
    page.wait_for_function(f"document.querySelector('#preview').dataset.result === {first!r}")


def test_the_stage_belongs_to_the_job_it_names_and_a_waiting_job_is_removed_at_once(page, server):
    page.set_input_files("#form-dream .drop[data-role=photo] input[type=file]", str(PHOTO))
    page.wait_for_selector("#form-dream .drop.has")
    for name, value in (("size", "64"), ("octaves", "2"), ("iterations", "400")):
        page.fill(f"#form-dream input[type=number][name={name}]", value)
    page.click("#run")
    page.wait_for_function("Number(document.querySelector('#preview').dataset.loads || 0) >= 1", timeout=60_000)
    running = page.get_attribute("#queue li.running", "data-job")
    page.fill("#form-dream input[type=number][name=size]", "48")
    page.click("#run")  # waits behind the running one, and the stage shows it: no picture yet
    page.wait_for_selector("#queue li.queued")
    assert not page.is_visible("#preview") and "waiting for its turn" in page.text_content("#placeholder")
    assert "48 px" in page.text_content("#queue li.queued .title")
    page.click(f"#queue li[data-job='{running}']")
    page.wait_for_selector("#preview", state="visible")  # its picture so far
    waiting = page.get_attribute("#queue li.queued", "data-job")
    page.click("#queue li.queued button[data-action=remove]")
    page.wait_for_selector(f"#queue li[data-job='{waiting}']", state="detached")  # gone, not left as "stopped"
    page.click("#stop")
    page.wait_for_selector("#queue li.stopped", timeout=60_000)
    page.click("#clear-ended")
    page.wait_for_function("document.querySelectorAll('#queue li').length === 0")


def test_an_atlas_reopens_from_the_history_after_a_reload_with_its_cells_to_click(page, server):
    page.click("#tabs button[data-tab=atlas]")
    page.fill("#form-atlas input[name=channels]", "3,5")
    page.fill("#form-atlas input[type=number][name=tile]", "32")
    page.fill("#form-atlas input[type=number][name=iterations]", "1")
    page.click("#run")
    output = next_result(page, None)
    page.reload()
    page.wait_for_selector("body[data-ready='1']")
    page.click(f"#history button[data-path='{output}']")
    assert page.text_content("#viewer-settings dt:text-is('layer') + dd") == "relu4_2"
    page.click("#viewer-like")
    page.wait_for_selector("#atlas-cells button[data-channel='5']")
    assert page.input_value("#form-atlas input[name=channels]") == "3,5"
    page.click("#atlas-cells button[data-channel='5']")
    assert page.is_enabled("#dream-channels")


def test_a_dropped_video_is_chosen_as_the_clip(page, tmp_path):
    video = make_clip(tmp_path / "walk.mp4", count=3, audio=False)
    page.click("#tabs button[data-tab=clip]")
    page.set_input_files("#form-clip .drop[data-role=clip] input[type=file]", str(video))
    page.wait_for_function("document.querySelector('#form-clip select[name=input]').value.endsWith('/walk.mp4')")
    assert page.text_content("#form-clip select[name=input] option:checked") == "walk.mp4"
