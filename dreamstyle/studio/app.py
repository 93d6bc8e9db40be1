"""The studio's web server: the page, its JSON API and a stream of the queue's changes.

Every request is answered, a mistake with ``{"error": "..."}`` and a status that says whose it was; no
request sees a stack trace or stops the server. What a request may do at all is :mod:`.guard`'s to say,
before any handler here runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..backbone import BackboneChoice, VGGFeatures
from ..backbone.geometry import layer_specs
from ..backbone.weights import WEIGHT_SETS
from ..engines import COMMANDS
from ..errors import DreamstyleError
from ..presets import builtin_presets
from ..runs import RunRequest
from ..runtime import describe_device
from ..version import __version__
from .guard import TOKEN_COOKIE, Guard, GuardMiddleware, new_secret
from .jobs import JobQueue, NoSuchJob, QueueError
from .requests import RequestTooLarge, read_json, work_of
from .workspace import PathRefused, UploadRefused, UploadTooLarge, Workspace, thumbnail

STATIC = Path(__file__).parent / "static"
EVENT_INTERVAL_SECONDS = 0.25
THUMBNAIL_SIDES = (64, 1024)
# The page's one placeholder for the per-server secret; no other page can read the page, so none learns it.
SECRET_PLACEHOLDER = '<meta name="dreamstyle-secret" content="">'

log = logging.getLogger("dreamstyle.studio")


@dataclass
class Studio:
    """What the server serves: the workspace, the queue and the one backbone its jobs share.

    Attributes:
        workspace: the folders it may read and write.
        net: the loaded backbone, or the choice of one to load when the first job needs it.
        token: when set, every request must carry it (``?token=`` once; the page then keeps it as a cookie).
        hosts: when set, the only Host headers answered (a page elsewhere cannot reach a loopback studio
            through a name that points at 127.0.0.1).
        secret: what the page sends with every change it asks for (see :mod:`.guard`).
    """

    workspace: Workspace
    net: VGGFeatures | BackboneChoice = field(default_factory=BackboneChoice)
    token: str | None = None
    hosts: tuple[str, ...] | None = None
    secret: str = field(default_factory=new_secret)
    queue: JobQueue = field(default_factory=JobQueue)
    _loading: threading.Lock = field(default_factory=threading.Lock)

    def backbone(self) -> VGGFeatures:
        """The backbone, loaded once, on first use."""
        with self._loading:
            if not isinstance(self.net, VGGFeatures):
                self.net = self.net.load(None)
            return self.net

    @property
    def guard(self) -> Guard:
        return Guard(self.secret, self.token, self.hosts)


def _error(status: int, message: str, setting: str | None = None) -> JSONResponse:
    """One line for the page, and the setting it is about (to mark its field), if any."""
    return JSONResponse({"error": message, **({"setting": setting} if setting else {})}, status_code=status)


def _answered(endpoint: Callable[[Request, Studio], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
    """``endpoint(request, studio)`` as a route, with any failure as one line of JSON and the status it deserves."""

    @functools.wraps(endpoint)
    async def answered(request: Request) -> Response:
        try:
            return await endpoint(request, request.app.state.studio)
        except PathRefused as error:
            return _error(403, str(error))
        except (UploadTooLarge, RequestTooLarge) as error:
            return _error(413, str(error))
        except UploadRefused as error:
            return _error(415, str(error))
        except NoSuchJob as error:
            return _error(404, str(error))
        except QueueError as error:
            return _error(409, str(error))
        except DreamstyleError as error:
            return _error(400, str(error), error.setting)
        except ValueError as error:
            return _error(400, str(error))
        except Exception as error:  # the server must outlive any request
            log.exception("request %s %s failed", request.method, request.url.path)
            return _error(500, f"the studio could not do that ({type(error).__name__}: {error})")

    return answered


def _job_id(request: Request) -> int:
    return int(request.path_params["job"])


async def index(request: Request) -> Response:
    studio: Studio = request.app.state.studio
    page = request.app.state.page.replace(SECRET_PLACEHOLDER,
                                          f'<meta name="dreamstyle-secret" content="{studio.secret}">')
    response = HTMLResponse(page, headers={"Cache-Control": "no-store"})
    if studio.token:
        response.set_cookie(TOKEN_COOKIE, studio.token, httponly=True, samesite="strict")
    return response


def _arch_of(net: VGGFeatures | BackboneChoice) -> str:
    """The architecture of the studio's backbone, loaded or not yet (a local weights file is known once loaded)."""
    if isinstance(net, VGGFeatures):
        return net.arch
    chosen = WEIGHT_SETS.get(net.filled_from(None).weights)
    return chosen.arch if chosen is not None else "vgg19"


@_answered
async def info(request: Request, studio: Studio) -> Response:
    presets = {}
    for kind in COMMANDS:
        presets[kind] = [{"name": preset.name, "description": preset.description,
                          "config": RunRequest(preset.name).resolve(kind).settings()}
                         for preset in builtin_presets(kind)]
    net = studio.net
    loaded = isinstance(net, VGGFeatures)
    layers = [{"name": spec.name, "channels": spec.channels} for spec in layer_specs(_arch_of(net))
              if spec.kind == "relu"]
    workspace = studio.workspace
    return JSONResponse({"version": __version__, "presets": presets, "layers": layers,
                         "device": describe_device(net.device) if loaded else "loaded with the first job",
                         "outputs": str(workspace.outputs), "max_upload": workspace.max_upload,
                         "roots": [str(root) for root in workspace.roots]})


@_answered
async def upload(request: Request, studio: Studio) -> Response:
    filename = request.headers.get("x-filename", "")
    if not filename:
        raise DreamstyleError("upload: say the file's name in the X-Filename header")
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        studio.workspace.check_upload_size(len(data), filename)  # before the rest arrives
    path = await asyncio.to_thread(studio.workspace.save_upload, bytes(data), filename)
    return JSONResponse({"path": studio.workspace.relative(path), "name": filename}, status_code=201)


@_answered
async def file(request: Request, studio: Studio) -> Response:
    path = studio.workspace.readable(request.query_params.get("path", ""))
    if not path.is_file():
        raise DreamstyleError(f"{request.query_params['path']}: a folder, not a file")
    side = request.query_params.get("thumb")
    if side is None:
        return FileResponse(path, filename=path.name, content_disposition_type="inline")
    if not side.isdigit() or not THUMBNAIL_SIDES[0] <= int(side) <= THUMBNAIL_SIDES[1]:
        raise DreamstyleError(f"thumb: a side between {THUMBNAIL_SIDES[0]} and {THUMBNAIL_SIDES[1]} px")
    data = await asyncio.to_thread(thumbnail, path, int(side))
    return Response(data, media_type="image/jpeg")


@_answered
async def history(request: Request, studio: Studio) -> Response:
    return JSONResponse(await asyncio.to_thread(studio.workspace.history))


@_answered
async def clips(request: Request, studio: Studio) -> Response:
    return JSONResponse(await asyncio.to_thread(studio.workspace.clips))


@_answered
async def jobs(request: Request, studio: Studio) -> Response:
    return JSONResponse({"version": studio.queue.version, "jobs": studio.queue.jobs()})


@_answered
async def submit(request: Request, studio: Studio) -> Response:
    work = await asyncio.to_thread(work_of, await read_json(request), studio.workspace, studio.backbone)
    return JSONResponse(studio.queue.submit(work).public(), status_code=201)


@_answered
async def clear(request: Request, studio: Studio) -> Response:
    studio.queue.clear_ended()
    return JSONResponse({"jobs": studio.queue.jobs()})


@_answered
async def stop(request: Request, studio: Studio) -> Response:
    return JSONResponse(studio.queue.stop(_job_id(request)).public())


@_answered
async def move(request: Request, studio: Studio) -> Response:
    body = await read_json(request)
    position = body.get("position") if isinstance(body, dict) else None
    if not isinstance(position, int) or isinstance(position, bool):
        raise DreamstyleError("position: the place in the queue, 0 for next")
    studio.queue.move(_job_id(request), position)
    return JSONResponse({"jobs": studio.queue.jobs()})


@_answered
async def remove(request: Request, studio: Studio) -> Response:
    studio.queue.remove(_job_id(request))
    return JSONResponse({"jobs": studio.queue.jobs()})


@_answered
async def preview(request: Request, studio: Studio) -> Response:
    job = studio.queue.get(_job_id(request))
    data = await asyncio.to_thread(job.preview.jpeg)
    if data is None:
        return Response(status_code=204)
    return Response(data, media_type="image/jpeg", headers={"Cache-Control": "no-store"})


async def events(request: Request) -> Response:
    queue: JobQueue = request.app.state.studio.queue

    async def stream():
        version = -1
        while not await request.is_disconnected():
            if queue.version != version:
                version = queue.version
                yield f"data: {json.dumps({'version': version, 'jobs': queue.jobs()})}\n\n"
            await asyncio.sleep(EVENT_INTERVAL_SECONDS)

    return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-store"})


ROUTES = [
    Route("/", index),
    Route("/api/info", info),
    Route("/api/uploads", upload, methods=["POST"]),
    Route("/api/file", file),
    Route("/api/history", history),
    Route("/api/clips", clips),
    Route("/api/jobs", jobs),
    Route("/api/jobs", submit, methods=["POST"]),
    Route("/api/jobs", clear, methods=["DELETE"]),
    Route("/api/jobs/{job:int}/stop", stop, methods=["POST"]),
    Route("/api/jobs/{job:int}/move", move, methods=["POST"]),
    Route("/api/jobs/{job:int}", remove, methods=["DELETE"]),
    Route("/api/jobs/{job:int}/preview", preview),
    Route("/api/events", events),
    Mount("/static", StaticFiles(directory=STATIC)),
]


@contextlib.asynccontextmanager
async def _lifespan(app: Starlette):
    queue = app.state.studio.queue
    queue.start()
    yield
    await asyncio.to_thread(queue.close)


def create_app(studio: Studio) -> GuardMiddleware:
    """The ASGI app serving ``studio`` behind its guard; its queue's worker runs while the app does."""
    app = Starlette(routes=ROUTES, lifespan=_lifespan)
    app.state.studio = studio
    app.state.page = (STATIC / "index.html").read_text(encoding="utf-8")
    return GuardMiddleware(app, studio.guard)
