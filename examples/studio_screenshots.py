"""Screenshots of dreamstyle studio for the README: each part of the page, in headless Chromium.

    python examples/studio_screenshots.py [--outputs /tmp/studio-shots]

Starts a studio on a free port with the photos in tests/data, drives the page as a person would (drops
photos, paints a mask, runs small jobs) and writes examples/studio/*.png. Needs Debian's chromium (or
$DREAMSTYLE_CHROMIUM) and Playwright, as the browser tests do.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

from dreamstyle import load_backbone
from dreamstyle.studio import Studio
from dreamstyle.studio.browser import launch_chromium, serve_in_background
from dreamstyle.studio.workspace import Workspace

HERE = Path(__file__).parent
DATA = HERE.parent / "tests" / "data"
SHOTS = HERE / "studio"


def wait_for_result(page, timeout_ms: int = 600_000) -> str:
    page.wait_for_function("document.querySelector('#preview').dataset.result", timeout=timeout_ms)
    return page.get_attribute("#preview", "data-result")


def wait_for_status(page, words: str, timeout_ms: int = 600_000) -> None:
    """Wait until the line under the stage says ``words``."""
    page.wait_for_function(f"document.querySelector('#status').textContent.includes('{words}')", timeout=timeout_ms)


def make_panning_frames(folder: Path, photo: Path, count: int, side: int = 256) -> None:
    """``count`` frames of ``photo`` seen through a ``side`` x 3/4 ``side`` window moving right."""
    folder.mkdir(parents=True, exist_ok=True)
    image = Image.open(photo).convert("RGB")
    width, height = side, side * 3 // 4
    step = (image.width - width) // max(1, count - 1)
    for index in range(count):
        left = index * step
        image.crop((left, (image.height - height) // 2, left + width, (image.height + height) // 2)).save(
            folder / f"{index:06d}.png")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outputs", type=Path, default=None, help="the studio's outputs folder (default: a new one)")
    outputs = parser.parse_args().outputs or Path(tempfile.mkdtemp(prefix="studio-shots-"))
    SHOTS.mkdir(exist_ok=True)
    url, server = serve_in_background(Studio(Workspace.create(outputs, (DATA,)), load_backbone("vgg19")))
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page(viewport={"width": 1400, "height": 900}, bypass_csp=True)  # for wait_for_function
        page.goto(url)
        page.wait_for_selector("body[data-ready='1']")

        # Dream: a photo, a preset, caught while it grows.
        page.set_input_files("#form-dream .drop[data-role=photo] input[type=file]", str(DATA / "chelsea.png"))
        page.wait_for_selector("#form-dream .drop.has")
        page.select_option("#form-dream select[name=preset]", "deep")
        page.fill("#form-dream input[type=number][name=size]", "384")
        page.click("#run")
        page.wait_for_function("Number(document.querySelector('#preview').dataset.loads || 0) >= 6", timeout=600_000)
        page.screenshot(path=SHOTS / "dream.png")
        wait_for_result(page)

        # Transfer: two styles with blend sliders, one painted region.
        page.click("#tabs button[data-tab=transfer]")
        page.set_input_files("#form-transfer .drop[data-role=photo] input[type=file]", str(DATA / "chelsea.png"))
        page.wait_for_selector("#form-transfer .drop.has")
        for style in ("mosaic.jpg", "brick.png"):
            page.set_input_files("#form-transfer .drop[data-role=style] input[type=file]", str(DATA / style))
        page.wait_for_selector("#styles .style:nth-child(2)")
        page.locator("#styles .style:nth-child(1) .paint").click()
        box = page.locator("#painter-canvas").bounding_box()
        page.fill("#brush", "120")
        page.mouse.move(box["x"] + box["width"] * 0.15, box["y"] + box["height"] * 0.1)
        page.mouse.down()
        for fraction in (0.3, 0.5, 0.7, 0.9):
            page.mouse.move(box["x"] + box["width"] * 0.2, box["y"] + box["height"] * fraction, steps=6)
        page.mouse.move(box["x"] + box["width"] * 0.4, box["y"] + box["height"] * 0.9, steps=6)
        page.mouse.move(box["x"] + box["width"] * 0.4, box["y"] + box["height"] * 0.1, steps=6)
        page.mouse.up()
        page.screenshot(path=SHOTS / "painter.png")
        page.click("#painter-done")
        page.wait_for_selector("#styles .style:nth-child(1) .mask-state:text('mask painted')")
        page.fill("#form-transfer input[type=number][name=size]", "256")
        page.click("#run")
        wait_for_status(page, "scale 3 of 3")
        page.evaluate("document.querySelector('#controls').scrollTop = 0")
        page.screenshot(path=SHOTS / "transfer.png")
        output = wait_for_result(page)

        # History: the transfer against its photo, then "like this one" brings back its styles and masks.
        page.click(f"#history button[data-path='{output}']")
        page.wait_for_timeout(500)
        page.fill("#compare-slider", "45")
        page.dispatch_event("#compare-slider", "input")
        page.screenshot(path=SHOTS / "history.png")
        page.reload()
        page.wait_for_selector("body[data-ready='1']")
        page.click(f"#history button[data-path='{output}']")
        page.click("#viewer-like")
        page.wait_for_selector("#styles .style:nth-child(1) .mask-state:text('mask painted')")
        page.click("#styles .style:nth-child(1) .paint")
        page.wait_for_timeout(500)
        page.screenshot(path=SHOTS / "like_masked.png")
        page.click("#painter-cancel")

        # A portrait: the picture fits the stage, the status line and bar stay in view.
        portrait = outputs / "portrait.jpg"
        Image.open(DATA / "chelsea.png").convert("RGB").crop((130, 0, 270, 300)).save(portrait)
        page.click("#tabs button[data-tab=dream]")
        page.set_input_files("#form-dream .drop[data-role=photo] input[type=file]", str(portrait))
        page.wait_for_selector("#form-dream .drop.has img[alt='portrait.jpg']")
        page.select_option("#form-dream select[name=preset]", "classic")
        page.fill("#form-dream input[type=number][name=size]", "256")
        page.click("#run")
        wait_for_result(page)
        page.screenshot(path=SHOTS / "portrait.png")

        # The queue with three jobs: one running, two waiting, each titled by its preset and size.
        for preset, size in (("classic", "320"), ("deep", "256"), ("soft", "192")):
            page.select_option("#form-dream select[name=preset]", preset)
            page.fill("#form-dream input[type=number][name=size]", size)
            page.click("#run")
        page.wait_for_function("document.querySelectorAll('#queue li.queued').length === 2")
        page.click("#queue li.running")
        page.wait_for_function("Number(document.querySelector('#preview').dataset.loads || 0) >= 1")
        page.screenshot(path=SHOTS / "queue.png")
        page.set_viewport_size({"width": 900, "height": 800})
        page.wait_for_timeout(300)
        page.screenshot(path=SHOTS / "narrow.png")
        page.set_viewport_size({"width": 1400, "height": 900})
        page.click("#clear-ended")
        for _ in range(3):
            page.wait_for_selector("#queue li.running")
            page.click("#stop")
            page.wait_for_timeout(500)

        # Layer explorer: an atlas, three channels chosen.
        page.click("#tabs button[data-tab=atlas]")
        page.select_option("#form-atlas select[name=layer]", "relu4_2")
        page.fill("#form-atlas input[name=channels]", "0-15")
        page.click("#run")
        wait_for_result(page)
        page.wait_for_selector("#atlas-cells button", timeout=600_000)
        for channel in (2, 7, 11):
            page.click(f"#atlas-cells button[data-channel='{channel}']")
        page.screenshot(path=SHOTS / "atlas.png")

        # Clips: a folder of frames on disk, dreamed with the Dream tab's settings, caught a few frames in.
        make_panning_frames(outputs / "pan", DATA / "chelsea.png", count=8)
        page.click("#tabs button[data-tab=dream]")
        page.select_option("#form-dream select[name=preset]", "classic")
        page.fill("#form-dream input[type=number][name=size]", "256")
        page.click("#tabs button[data-tab=clip]")
        page.evaluate("refreshClips()")
        page.wait_for_selector("#form-clip select[name=input] option[value='pan']", state="attached")
        page.select_option("#form-clip select[name=input]", "pan")
        page.select_option("#form-clip select[name=command]", "dream")
        page.click("#run")
        wait_for_status(page, "frame 3 of 8")
        page.wait_for_function("Number(document.querySelector('#preview').dataset.loads || 0) >= 2")
        page.screenshot(path=SHOTS / "clips.png")
        wait_for_result(page)
        browser.close()
    server.should_exit = True
    for shot in sorted(SHOTS.glob("*.png")):
        print(f"wrote {shot}")


if __name__ == "__main__":
    main()
