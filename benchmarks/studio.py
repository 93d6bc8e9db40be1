"""dreamstyle studio in headless Chromium: how long the page takes to load, and how long from Run to the
first preview at 512 px, for a dream and a transfer with the default presets.

    python benchmarks/studio.py

The studio loads its backbone with the first job, as `dreamstyle studio` does, so the first Run's figure
includes loading VGG19, and the first transfer's includes loading the instant networks that paint its
first preview; each kind then runs again warm. Every job is stopped at its first preview. Needs Debian's
chromium (or $DREAMSTYLE_CHROMIUM) and Playwright.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from measure import DATA, machine
from playwright.sync_api import sync_playwright

from dreamstyle.backbone import BackboneChoice
from dreamstyle.studio import Studio
from dreamstyle.studio.browser import launch_chromium, serve_in_background
from dreamstyle.studio.workspace import Workspace

SIZE = 512
LOADS = 5
SHARED = DATA.parents[2] / "shared" / "images"
PHOTO = SHARED / "chelsea.png" if (SHARED / "chelsea.png").is_file() else DATA / "chelsea.png"
STYLE = DATA / "mosaic.jpg"


def run_to_first_preview(page, tab: str) -> float:
    """Seconds from clicking Run to the first preview shown, then the job stopped and its end awaited."""
    page.click(f"#tabs button[data-tab={tab}]")
    page.fill(f"#form-{tab} input[type=number][name=size]", str(SIZE))
    loads = int(page.get_attribute("#preview", "data-loads") or 0)
    ended = page.locator("#queue li.stopped, #queue li.done").count()
    started = time.perf_counter()
    page.click("#run")
    page.wait_for_function(f"Number(document.querySelector('#preview').dataset.loads || 0) > {loads}",
                           timeout=600_000)
    seconds = time.perf_counter() - started
    page.click("#stop")
    page.wait_for_function(f"document.querySelectorAll('#queue li.stopped, #queue li.done').length > {ended}",
                           timeout=600_000)
    return seconds


def main() -> None:
    print(f"Machine: {machine()}\n")
    studio = Studio(Workspace.create(Path(tempfile.mkdtemp(prefix="studio-bench-")), (DATA, SHARED)),
                    BackboneChoice())
    url, server = serve_in_background(studio)
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page(viewport={"width": 1400, "height": 900}, bypass_csp=True)  # for wait_for_function
        outside: list[str] = []
        page.on("request", lambda request: outside.append(request.url)
                if not request.url.startswith((url + "/", "data:", "blob:")) else None)
        loads = []
        for _ in range(LOADS):
            started = time.perf_counter()
            page.goto(url)
            page.wait_for_selector("body[data-ready='1']")
            loads.append(time.perf_counter() - started)
        page.set_input_files("#form-dream .drop[data-role=photo] input[type=file]", str(PHOTO))
        page.wait_for_selector("#form-dream .drop.has")
        page.click("#tabs button[data-tab=transfer]")
        page.set_input_files("#form-transfer .drop[data-role=photo] input[type=file]", str(PHOTO))
        page.set_input_files("#form-transfer .drop[data-role=style] input[type=file]", str(STYLE))
        page.wait_for_selector("#styles .style")
        rows = [("dream, first job (loads VGG19)", run_to_first_preview(page, "dream")),
                ("dream, warm", run_to_first_preview(page, "dream")),
                ("transfer, first (loads the instant networks for its preview)",
                 run_to_first_preview(page, "transfer")),
                ("transfer, warm", run_to_first_preview(page, "transfer"))]
        browser.close()
    server.should_exit = True
    print(f"Page load (navigation to ready, {LOADS} loads): median {statistics.median(loads) * 1000:.0f} ms, "
          f"first {loads[0] * 1000:.0f} ms\n")
    print(f"| Run to first preview, {SIZE} px ({PHOTO.name}) | seconds |\n|---|---|")
    for name, seconds in rows:
        print(f"| {name} | {seconds:.2f} |")
    print(f"\nRequests to anything but {url}: {len(outside)} {outside[:5]}")


if __name__ == "__main__":
    main()
