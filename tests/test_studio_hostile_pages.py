"""dreamstyle studio against what the artist's own browser may meet: another site's page (here a second local
server on another port) trying to drive, frame or read the studio, and file names written as markup. In Debian's
Chromium, with the studio's Content-Security-Policy in force (no bypass, unlike test_studio_browser)."""

from __future__ import annotations

import http.server
import threading
import time

import pytest

from .helpers import DATA, chromium, make_studio, playwright_with_chromium, served, wait_until

sync_api = playwright_with_chromium()

MARKUP = "<img src=x onerror=window.pwned=1>"
LONG_DREAM = {"octaves": 2, "iterations": 400}


def hostile_pages(studio_url: str) -> dict[str, str]:
    """The pages a site the artist visits could serve, each aimed at the studio."""
    job = '{"kind": "dream", "input": "%s", "size": 48}' % (DATA / "amber.jpg")
    return {
        "/form.html": f"""<iframe name="sink"></iframe>
            <form id="f" method="post" enctype="text/plain" target="sink" action="{studio_url}/api/jobs">
            <input name='{job[:-1]}, "x": "' value='"}}'></form>
            <script>document.getElementById("f").submit(); setTimeout(() => document.title = "sent", 1500);</script>""",
        "/fetch.html": f"""<script>
            const body = '{job}';
            Promise.allSettled([
              fetch("{studio_url}/api/jobs", {{method: "POST", mode: "no-cors", body,
                                               headers: {{"Content-Type": "text/plain"}}}}),
              fetch("{studio_url}/api/jobs/" + new URLSearchParams(location.search).get("job") + "/stop",
                    {{method: "POST", mode: "no-cors"}}),
              fetch("{studio_url}/api/jobs", {{method: "POST", body,
                                               headers: {{"X-Dreamstyle-Secret": "guess"}}}}),
              fetch("{studio_url}/api/jobs").then((answer) => answer.text()).then((text) => window.read = text),
            ]).then(() => document.title = "sent");</script>""",
        "/frame.html": f"""<iframe id="studio" src="{studio_url}/" width="800" height="600"></iframe>
            <script>setTimeout(() => document.title = "sent", 2000);</script>""",
        "/image.html": f"""<img id="peek" src="{studio_url}/api/file?path=amber.jpg">
            <script>document.getElementById("peek").onload = () => document.title = "loaded";
                    document.getElementById("peek").onerror = () => document.title = "refused";</script>""",
    }


@pytest.fixture(scope="module")
def sites(tmp_path_factory, vgg19):
    """The studio (the test photos may be used, and a folder with a photo named as markup) and, on another port,
    a site serving :func:`hostile_pages`."""
    named = tmp_path_factory.mktemp("named")
    (named / f"{MARKUP}.jpg").write_bytes((DATA / "amber.jpg").read_bytes())
    studio = make_studio(tmp_path_factory.mktemp("studio"), vgg19, roots=(named,))
    with served(studio) as studio_url:
        site = hostile_site(hostile_pages(studio_url))
        yield studio, studio_url, f"http://127.0.0.1:{site.server_address[1]}", named / f"{MARKUP}.jpg"
        site.shutdown()


def hostile_site(pages: dict[str, str]) -> http.server.ThreadingHTTPServer:
    """A site on another port of 127.0.0.1 serving ``pages`` (path: HTML), from a daemon thread."""

    class Site(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            body = pages.get(self.path.split("?")[0], "").encode()
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    site = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Site)
    threading.Thread(target=site.serve_forever, daemon=True).start()
    return site


@pytest.fixture(scope="module")
def browser():
    with chromium(sync_api) as browser:
        yield browser


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    yield context
    context.close()


def visit(context, url: str, until: str = "sent"):
    """Open another site's page, as the artist's browser would, and let it do its worst."""
    page = context.new_page()
    page.goto(url)
    wait_until(lambda: page.title() in (until, "loaded", "refused"), timeout=30, what=f"{url} finishing")
    time.sleep(0.5)  # anything it sent has arrived
    return page


def own_job(studio, studio_url: str, body: dict) -> int:
    """A job queued by the studio's own page (with its secret)."""
    import json
    import urllib.request

    from dreamstyle.studio.guard import SECRET_HEADER

    request = urllib.request.Request(f"{studio_url}/api/jobs", json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", SECRET_HEADER: studio.secret})
    with urllib.request.urlopen(request, timeout=60) as answer:
        return json.load(answer)["id"]


def test_a_form_on_another_site_queues_no_job(context, sites):
    studio, _, site, _ = sites
    visit(context, f"{site}/form.html")
    assert studio.queue.jobs() == []


def test_no_cors_fetches_from_another_site_neither_queue_nor_stop_nor_read(context, sites):
    studio, studio_url, site, _ = sites
    running = own_job(studio, studio_url, {"kind": "dream", "input": str(DATA / "amber.jpg"), "size": 64,
                                           "settings": LONG_DREAM})
    wait_until(lambda: studio.queue.get(running).state == "running", what="the artist's job starting")
    page = visit(context, f"{site}/fetch.html?job={running}")
    assert [job["id"] for job in studio.queue.jobs()] == [running]  # nothing queued
    assert studio.queue.get(running).state == "running"  # nor stopped
    assert page.evaluate("window.read") is None  # nor read
    studio.queue.stop(running)
    wait_until(lambda: studio.queue.get(running).state == "stopped", what="the job stopping")
    studio.queue.clear_ended()


def test_another_site_cannot_frame_the_studio_or_show_its_files(context, sites):
    _, studio_url, site, _ = sites
    page = visit(context, f"{site}/frame.html")
    framed = [frame for frame in page.frames if frame.url.startswith(studio_url)]
    assert all(frame.evaluate("document.body === null || !document.body.dataset.ready") for frame in framed)
    assert page.frame_locator("#studio").locator("#run").count() == 0
    page = visit(context, f"{site}/image.html", until="refused")
    assert page.title() == "refused"


def test_a_file_named_as_markup_is_shown_as_text_and_runs_nothing(context, sites):
    studio, studio_url, _, named = sites
    page = context.new_page()
    page.goto(studio_url)
    page.wait_for_selector("body[data-ready='1']")
    page.click("#tabs button[data-tab=transfer]")
    page.set_input_files("#form-transfer .drop[data-role=style] input[type=file]",
                         {"name": f"{MARKUP}.png", "mimeType": "image/png",
                          "buffer": (DATA / "brick.png").read_bytes()})
    page.wait_for_selector("#styles .style")
    assert page.text_content("#styles .name") == f"{MARKUP}.png"
    own_job(studio, studio_url, {"kind": "dream", "input": str(named), "size": 48,
                                 "settings": {"octaves": 1, "iterations": 1}})
    page.wait_for_selector("#queue li.done", timeout=120_000)
    assert MARKUP in page.text_content("#queue li .title")
    page.evaluate("refreshHistory()")
    page.wait_for_selector("#history button")
    assert page.evaluate("window.pwned") is None
    assert page.locator("img[src='x']").count() == 0
    # And were markup ever built from a string, the policy would still stop its script.
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<img src=x onerror=window.pwned=2>')")
    time.sleep(0.5)
    assert page.evaluate("window.pwned") is None
    studio.queue.clear_ended()
