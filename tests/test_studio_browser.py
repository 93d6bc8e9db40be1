"""dreamstyle studio in a real browser: headless Chromium (Debian's) driven by Playwright, against a live server.

Run locally after ``apt-get install chromium`` (or with $DREAMSTYLE_CHROMIUM naming another Chromium); without one
these tests are skipped, except under CI, where a missing browser fails them.
"""

from __future__ import annotations

import base64
import os

import pytest
from PIL import Image

from dreamstyle.imaging import read_metadata
from dreamstyle.studio.browser import chromium_path, launch_chromium, serve_in_background
from .helpers import DATA, make_studio, pan_frames

if chromium_path() is None:
    if os.environ.get("CI"):
        raise RuntimeError("no Chromium: .ci/run installs Debian's chromium before the tests")
    pytest.skip("no Chromium here (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")

PHOTO = DATA / "amber.jpg"


@pytest.fixture(scope="module")
def server(tmp_path_factory, vgg19):
    studio = make_studio(tmp_path_factory.mktemp("studio"), vgg19)
    url, live = serve_in_background(studio)
    yield url, studio
    live.should_exit = True


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


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
    assert "Gentle" in page.text_content("#form-dream .description")
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
    canvas = page.locator("#painter-canvas")
    box = canvas.bounding_box()
    page.fill("#brush", "30")
    page.mouse.move(box["x"] + box["width"] * 0.1, box["y"] + box["height"] * 0.5)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.5, steps=8)
    page.mouse.up()
    page.click("#painter-done")
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
