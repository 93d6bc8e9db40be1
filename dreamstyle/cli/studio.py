"""``dreamstyle studio``: the local web page, served until Ctrl-C."""

from __future__ import annotations

import errno
import secrets
import socket
import threading
import webbrowser
from pathlib import Path

import click

from ..backbone import BackboneChoice
from ..studio import Studio, create_app
from ..studio.workspace import MAX_UPLOAD_BYTES, Workspace
from .messages import Command
from .options import backbone_options

LOOPBACK = ("127.0.0.1", "localhost", "::1")

STUDIO_EXAMPLES = """\b
Examples:
  dreamstyle studio                          # http://127.0.0.1:8765, opens the browser
  dreamstyle studio --port 9000 --no-browser --outputs ~/dreams
  dreamstyle studio ~/clips ~/photos         # the page may also use these files and folders
  dreamstyle studio --host 0.0.0.0           # other machines too, with the printed token
"""


def _check_port(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise click.BadParameter(f"{port} is in use (another studio?); choose another with --port",
                                         param_hint="--port") from None
            raise click.BadParameter(f"cannot listen on {host}: {error.strerror or error}",
                                     param_hint="--host") from None


@click.command(cls=Command, epilog=STUDIO_EXAMPLES)
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--port", type=click.IntRange(1, 65535), default=8765, show_default=True, help="Port to serve on.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to serve on; anything but this machine's own needs the token the studio prints.")
@click.option("--outputs", type=click.Path(file_okay=False, path_type=Path), default=Path("dreamstyle-studio"),
              show_default=True, help="Folder for results, uploads and the history.")
@click.option("--no-browser", is_flag=True, help="Do not open the page in a browser.")
@click.option("--max-upload", type=click.IntRange(min=1), default=MAX_UPLOAD_BYTES // 2**20, show_default=True,
              metavar="MIB", help="Largest image the page may upload, in MiB.")
@backbone_options
def studio(paths: tuple[Path, ...], port: int, host: str, outputs: Path, no_browser: bool, max_upload: int,
           backbone: BackboneChoice) -> None:
    """Serve the dreamstyle studio: a local web page to dream, paint and
    explore layers with, live, keeping every result in OUTPUTS.

    PATHS are files and folders (photos, clips, frames) the page may use
    besides its uploads; it reads nothing else outside OUTPUTS.
    """
    import uvicorn

    workspace = Workspace.create(outputs, paths, max_upload * 2**20)
    _check_port(host, port)
    loopback = host in LOOPBACK
    token = None if loopback else secrets.token_urlsafe(18)
    hosts = tuple(f"{name}:{port}" for name in ("127.0.0.1", "localhost", "[::1]")) if loopback else None
    shown = host if loopback else socket.gethostname()
    url = f"http://{'127.0.0.1' if loopback else shown}:{port}/" + (f"?token={token}" if token else "")
    click.echo(f"dreamstyle studio at {url}", err=True)
    click.echo(f"results go to {workspace.outputs}; Ctrl-C stops the studio (a running job keeps its picture "
               f"so far)", err=True)
    if token:
        click.echo(f"--host {host}: the studio is open to the network; it answers only addresses with this "
                   f"token, so share the whole address above with care", err=True)
    if not no_browser:
        threading.Timer(1.0, webbrowser.open, (url,)).start()
    app = create_app(Studio(workspace, backbone, token, hosts))
    uvicorn.run(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=5)
