"""Driving the studio from headless Chromium: for its browser tests, the README's screenshots and its
benchmark, which all run the page in Debian's Chromium through Playwright (never a browser Playwright
downloads)."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time

# Chromium's own calls home (updates, sync, safe browsing) are switched off: they are not the page's, and on a
# closed network they fail many at a time.
CHROMIUM_ARGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync")


def chromium_path() -> str | None:
    """$DREAMSTYLE_CHROMIUM, else the ``chromium`` on the PATH, else None."""
    return os.environ.get("DREAMSTYLE_CHROMIUM") or shutil.which("chromium")


def launch_chromium(playwright):
    """Headless Chromium from :func:`chromium_path` through a started ``sync_playwright()``."""
    path = chromium_path()
    if path is None:
        raise RuntimeError("no Chromium: apt-get install chromium, or set DREAMSTYLE_CHROMIUM")
    return playwright.chromium.launch(executable_path=path, args=list(CHROMIUM_ARGS))


def serve_in_background(studio, host: str = "127.0.0.1"):
    """Serve ``studio`` on a free port of ``host`` from a daemon thread; (its address, the uvicorn server).

    Set ``server.should_exit = True`` to stop it. The studio answers only requests for that address.
    """
    import uvicorn

    from .app import create_app

    with socket.socket() as probe:
        probe.bind((host, 0))
        port = probe.getsockname()[1]
    studio.hosts = (f"{host}:{port}",)
    server = uvicorn.Server(uvicorn.Config(create_app(studio), host=host, port=port, log_level="warning"))
    threading.Thread(target=server.run, name="dreamstyle-studio-server", daemon=True).start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the studio did not start on {host}:{port}")
        time.sleep(0.05)
    return f"http://{host}:{port}", server
