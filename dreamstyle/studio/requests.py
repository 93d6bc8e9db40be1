"""The page's job requests (JSON) checked and turned into :mod:`.work`, so a mistake is told at once, not
when the job's turn comes."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..backbone import VGGFeatures
from ..deepdream.channel_atlas import atlas_config
from ..deepdream.config import parse_channels
from ..deepdream.objectives import check_channels
from ..engines import COMMANDS, engine_named, setting_names
from ..errors import DreamstyleError, ImageReadError, InvalidArgumentError, Setting
from ..imaging.read import open_image
from ..presets import builtin_presets
from ..runs import RunRequest
from ..seeds import choose_seed
from ..video import open_source
from .work import AtlasWork, ClipWork, StillWork
from .workspace import Workspace

if TYPE_CHECKING:
    from starlette.requests import Request

KINDS = ("dream", "transfer", "atlas", "clip")
SIZES = (32, 4096)
TILE_SIZES = (32, 256)
MAX_CHANNELS = 64
CLIP_FORMAT = ".mp4"
# A job request is a few hundred bytes; these bound what any page can make the server read and parse.
MAX_JSON_BYTES = 256 * 2**10
MAX_JSON_DEPTH = 8


class RequestTooLarge(DreamstyleError, ValueError):
    """A request's body is over :data:`MAX_JSON_BYTES`."""


async def read_json(request: "Request") -> Any:
    """The request's body as JSON, read no further than :data:`MAX_JSON_BYTES`.

    Raises:
        RequestTooLarge: the body is longer.
        InvalidArgumentError: it is not JSON, holds NaN or Infinity, or nests deeper than :data:`MAX_JSON_DEPTH`.
    """
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_JSON_BYTES:
            raise RequestTooLarge(f"the request body is over {MAX_JSON_BYTES // 2**10} KiB")
    return parse_json(bytes(body))


def _no_constant(name: str) -> None:
    raise InvalidArgumentError(f"the request body holds {name}, which is not a number JSON allows")


def parse_json(body: bytes) -> Any:
    """``body`` as JSON: see :func:`read_json`."""
    try:
        value = json.loads(body, parse_constant=_no_constant)
    except RecursionError:
        raise InvalidArgumentError(f"the request body nests deeper than {MAX_JSON_DEPTH} levels") from None
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise InvalidArgumentError("the request body is not JSON") from None
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, (dict, list)):
            if depth > MAX_JSON_DEPTH:
                raise InvalidArgumentError(f"the request body nests deeper than {MAX_JSON_DEPTH} levels")
            pending.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return value


def _field(body: Mapping[str, Any], name: str, kind: type | tuple[type, ...], default: Any = None) -> Any:
    value = body.get(name, default)
    if value is not None and (not isinstance(value, kind) or isinstance(value, bool) and kind is not bool):
        raise InvalidArgumentError(Setting(name), f": expected {getattr(kind, '__name__', kind)}, got {value!r}")
    return value


def _bounded(body: Mapping[str, Any], name: str, bounds: tuple[int, int]) -> int | None:
    value = _field(body, name, int)
    if value is not None and not bounds[0] <= value <= bounds[1]:
        raise InvalidArgumentError.about(name, f"must be between {bounds[0]} and {bounds[1]}, got {value}")
    return value


def _image(workspace: Workspace, name: str, what: str) -> Path:
    path = workspace.readable(name)
    try:
        open_image(path)
    except ImageReadError as error:
        raise InvalidArgumentError(Setting(what), ": ", *error.parts) from None
    return path


def _preset(body: Mapping[str, Any], kind: str) -> str | None:
    """A built-in preset's name: the page may not name a file to read."""
    preset = _field(body, "preset", str)
    names = [preset.name for preset in builtin_presets(kind)]
    if preset is not None and preset not in names:
        raise InvalidArgumentError(Setting("preset"),
                                   f": no {kind} preset {preset!r} (choose one of {', '.join(names)})")
    return preset


def _settings(body: Mapping[str, Any], allowed: Sequence[str]) -> dict[str, Any]:
    settings = _field(body, "settings", dict, {})
    unknown = sorted(set(settings) - set(allowed))
    if unknown:
        raise InvalidArgumentError(Setting("settings"), f": no setting named {', '.join(unknown)}")
    return {name: value for name, value in settings.items() if value is not None}


def work_of(body: Any, workspace: Workspace, backbone: Callable[[], VGGFeatures]) -> StillWork | AtlasWork | ClipWork:
    """The work a job request asks for.

    ``body``: ``{"kind": "dream" | "transfer" | "atlas" | "clip", "input": path, "styles": [path...],
    "masks": [path...], "preset": name, "size": px, "seed": n, "settings": {config field: value}}``; an atlas
    takes ``"layer"``, ``"channels"`` ("0-15") and ``"tile"`` (px) instead of the images.

    Raises:
        InvalidArgumentError: a field is missing or wrong; the message names it.
        PathRefused: a path lies outside what the studio may read.
    """
    if not isinstance(body, dict):
        raise InvalidArgumentError("the request must be a JSON object")
    kind = _field(body, "kind", str)
    if kind not in KINDS:
        raise InvalidArgumentError(Setting("kind"), f": choose one of {', '.join(KINDS)}, got {kind!r}")
    seed = _field(body, "seed", int)
    if seed is not None:
        choose_seed(seed)  # in range, now
    if kind == "atlas":
        return _atlas_work(body, workspace, backbone, seed)
    command = _field(body, "command", str, "dream") if kind == "clip" else kind
    if command not in COMMANDS:
        raise InvalidArgumentError(Setting("command"),
                                   f": a clip is dreamed or painted ({', '.join(COMMANDS)}), got {command!r}")
    run = RunRequest(_preset(body, command), None, _bounded(body, "size", SIZES), seed,
                     _settings(body, setting_names(command)))
    resolved = run.resolve(command)  # every value checked now
    engine_named(resolved.engine).check(backbone(), resolved.config)  # and its layers and channels
    name = _field(body, "input", str)
    if not name:
        raise InvalidArgumentError(Setting("input"), ": choose a photo" + (" or a clip" if kind == "clip" else ""))
    style_names, mask_names = _field(body, "styles", list, []), _field(body, "masks", list, [])
    COMMANDS[command].request_type().check_files(style_names, mask_names)
    styles = tuple(_image(workspace, style, "styles") for style in style_names)
    if kind == "clip":
        return _clip_work(workspace.readable(name), command, workspace, backbone, styles, run)
    masks = tuple(_image(workspace, mask, "masks") for mask in mask_names)
    return StillWork(command, _image(workspace, name, "input"), workspace, backbone, run, styles, masks)


def _atlas_work(body: Mapping[str, Any], workspace: Workspace, backbone: Callable[[], VGGFeatures],
                seed: int | None) -> AtlasWork:
    layer = _field(body, "layer", str)
    if not layer:
        raise InvalidArgumentError(Setting("layer"), ": choose a layer, e.g. relu4_2")
    channels = parse_channels(f"{layer}={_field(body, 'channels', str, '0-15')}")[0][1]
    if len(channels) > MAX_CHANNELS:
        raise InvalidArgumentError(Setting("channels"), f": at most {MAX_CHANNELS} at once, got {len(channels)}")
    settings = _settings(body, setting_names("dream"))
    atlas_config(layer, **settings)  # every value checked now
    check_channels(backbone(), ((layer, tuple(channels)),))
    tile = _bounded(body, "tile", TILE_SIZES) or 96
    return AtlasWork(layer, tuple(channels), workspace, backbone, tile, seed, settings)


def _clip_work(path: Path, command: str, workspace: Workspace, backbone: Callable[[], VGGFeatures],
               styles: tuple[Path, ...], run: RunRequest) -> ClipWork:
    source = open_source([path], folder_is="clip" if path.is_dir() else None)  # the page chose it as a clip
    if source is None:
        raise InvalidArgumentError(Setting("input"),
                                   f": {path.name} is one picture, not a clip (a video or a folder of frames)")
    # The same clip and settings go to the same file, so a stopped clip submitted again continues.
    output = workspace.free_name(f"{path.stem}_{command}", CLIP_FORMAT)
    return ClipWork(command, path, output, source.info.count, workspace, backbone, run, styles)
