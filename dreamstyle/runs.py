"""What a run of an engine will do, resolved from presets, a previous output and flags, and
recorded in the output so it can be repeated. Shared by ``dream`` and ``transfer``."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Protocol

import torch
from PIL import Image

from .backbone import VGGFeatures
from .errors import InvalidArgumentError, Setting
from .imaging import Picture, picture_to_pil, read_metadata
from .imaging.read import ImageLike, as_picture
from .imaging.resizing import fit_longest_side, resize
from .presets import merge_settings
from .progress import Status, shown
from .seeds import choose_seed
from .version import __version__


class EngineConfig(Protocol):
    """A frozen engine config: plain values out, and back in."""

    def to_dict(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Run:
    """Everything that decides an engine's pixels, besides the images and the weights.

    Attributes:
        command: ``"dream"`` or ``"transfer"``.
        config: the engine's config.
        seed: the seed used (chosen at random when none was given).
        size: longest side of the output as asked for (it may enlarge the
            input), or None to keep the input's size up to ``size_cap``.
        preset: the preset the settings started from.
        size_cap: without ``size``, inputs larger than this are made this
            size; None keeps every input's size. Never enlarges.
    """

    command: str
    config: EngineConfig
    seed: int
    size: int | None
    preset: str | None
    size_cap: int | None = None

    def side_for(self, height: int, width: int) -> int | None:
        """The output's longest side for an (H, W) input, or None to keep its size."""
        if self.size is not None:
            return self.size
        if self.size_cap is not None and max(height, width) > self.size_cap:
            return self.size_cap
        return None

    def fitted_size(self, height: int, width: int) -> tuple[int, int]:
        """(H, W) of what this run makes of an (H, W) input (see :meth:`side_for`)."""
        side = self.side_for(height, width)
        return (height, width) if side is None else fit_longest_side(height, width, side)

    def fit(self, picture: Picture) -> Picture:
        """``picture`` at the size this run makes (see :meth:`side_for`)."""
        side = self.side_for(picture.height, picture.width)
        return picture if side is None else picture.resized_longest_side(side)

    def metadata(self, net: VGGFeatures, **extra: Any) -> dict[str, Any]:
        """The parameters stored in the output file, enough for ``--like`` to repeat the run."""
        return {
            "dreamstyle": __version__, "command": self.command, "preset": self.preset, "seed": self.seed,
            "size": self.size, "config": self.config.to_dict(), "weights": net.weights,
            "pooling": net.pooling, "precision": net.precision, "device": str(net.device), **extra,
        }


@dataclass(frozen=True)
class RunRequest:
    """Where a run's settings start and what overrides them, before they are resolved into a :class:`Run`.

    Attributes:
        preset: a preset name or TOML file, or None for the engine's default (when ``like`` is None too).
        like: an earlier run's metadata, as read (see :func:`like_metadata`).
        size: longest side of the output, or None (see :attr:`Run.size`).
        seed: the seed, or None to take ``like``'s or pick one.
        settings: engine config fields, overriding the preset's and ``like``'s.
    """

    preset: str | os.PathLike | None = None
    like: Mapping[str, Any] | None = None
    size: int | None = None
    seed: int | None = None
    settings: Mapping[str, Any] = field(default_factory=dict)

    def arguments(self) -> dict[str, Any]:
        """As the keyword arguments of an engine's ``resolve_run``."""
        return {"preset": self.preset, "like": self.like, "size": self.size, "seed": self.seed, **self.settings}


class EngineRequest:
    """What every engine's request (:class:`~dreamstyle.deepdream.request.DreamRequest`,
    :class:`~dreamstyle.styletransfer.request.TransferRequest`) shares: its ``run``, a :class:`RunRequest`."""

    def with_run(self, **changes: Any) -> Any:
        """This request with ``changes`` to its :class:`RunRequest` (``seed=7``, ``settings={...}``)."""
        return replace(self, run=replace(self.run, **changes))


class Prepared(Protocol):
    """An engine run ready to start: its resolved settings, its backbone and its images, read once for every
    front end (:class:`~dreamstyle.deepdream.request.PreparedDream`,
    :class:`~dreamstyle.styletransfer.request.PreparedTransfer`)."""

    run: Run
    net: VGGFeatures

    def metadata(self, **extra: Any) -> dict[str, Any]:
        """What every output of the run carries, with ``extra`` (an input's name, a frame number) added."""

    def still(self, batch: torch.Tensor, callback: Callable[[Any], None] | None) -> torch.Tensor:
        """The engine on one (1, 3, H, W) picture in [0, 1], reporting to ``callback``."""

    def done_and_status(self, progress: Any) -> tuple[int, Status]:
        """How far an engine progress event is, and its status (for progress bars)."""


def file_name(image: object) -> str | None:
    """What metadata calls an image argument: a file's name, None for an image in memory."""
    return Path(image).name if isinstance(image, (str, os.PathLike)) else None


def render_still(prepared: Prepared, image: ImageLike, callback: Callable[[Any], None] | None = None,
                 progress: bool = False, **extra: Any) -> Image.Image:
    """One picture made by a prepared run, as the Python API returns it: the API's, the studio's.

    Args:
        prepared: the run.
        image: the photo (path, Pillow image, Picture or (3, H, W) tensor in [0, 1]); resized as the run says.
        callback: the progress callback; it may raise :class:`RunStopped` to end with the picture so far.
        progress: also draw the command line's progress bar on stderr.
        **extra: added to the result's metadata.

    Returns:
        RGB (or RGBA if ``image`` had alpha); ``info["dreamstyle"]`` holds :meth:`Prepared.metadata`.
    """
    picture = prepared.run.fit(as_picture(image))
    hw = (picture.height, picture.width)
    with shown(callback, progress, prepared.run.command, prepared.done_and_status) as reported:
        out, stopped = run_stoppable(lambda watched: prepared.still(picture.batch(), watched), reported, hw)
    result = picture_to_pil(picture.with_rgb(out))
    result.info["dreamstyle"] = prepared.metadata(**extra, **stopped)
    return result


def like_metadata(like: str | os.PathLike | Mapping[str, Any] | None, command: str) -> Mapping[str, Any] | None:
    """A previous ``command`` run's metadata, from its output file or as a dict."""
    if like is None or isinstance(like, Mapping):
        return like
    metadata = read_metadata(like)
    if metadata.get("command") != command:
        raise InvalidArgumentError(f"{like} holds no dreamstyle {command} settings to reuse")
    return metadata


def resolve_run(
    command: str,
    config_type: type,
    default_preset: str,
    preset: str | os.PathLike | None = None,
    like: Mapping[str, Any] | None = None,
    size: int | None = None,
    seed: int | None = None,
    **settings: Any,
) -> Run:
    """Combine a preset, a previous run (``like`` metadata) and explicit settings, lowest precedence first.

    Without a preset or a previous run, ``default_preset`` is used.
    """
    if preset is None and like is None:
        preset = default_preset
    keys = [f.name for f in fields(config_type)]
    # Settings newer than ``like``'s metadata take the values its run had.
    like_config = like and {**getattr(config_type, "VALUES_IN_OLDER_RUNS", {}), **like.get("config", {})}
    values = merge_settings(command, keys, preset, like_config, settings)
    if like is not None:
        seed = like.get("seed") if seed is None else seed
        size = like.get("size") if size is None else size
        preset = preset if preset is not None else like.get("preset")
    if size is not None and size < 16:
        raise InvalidArgumentError.about("size", f"must be at least 16 px, got {size}")
    try:
        config = config_type.from_dict(values)
    except InvalidArgumentError as error:
        field = error.setting
        from_preset = field in values and settings.get(field) is None and not (like_config and field in like_config)
        if preset is None or not from_preset:
            raise
        # The bad value came from the preset file: say which, so it can be fixed there.
        raise InvalidArgumentError(Setting("preset"), f" {os.fspath(preset)}: ", *error.parts, setting=field) from None
    return Run(command, config, choose_seed(seed), size, None if preset is None else os.fspath(preset))


class RunStopped(Exception):
    """Raised by a progress callback to end a run early; :func:`dreamstyle.dream` and
    :func:`dreamstyle.transfer` then return the picture so far (an atlas or a clip just ends)."""


def snapshot(image: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """A detached float copy of an engine's live (N, 3, h, w) image at (H, W), clamped to [0, 1]."""
    return resize(image.detach().float(), size).clamp(0.0, 1.0)


def run_stoppable(engine: Callable[[Callable[[Any], None]], torch.Tensor], callback: Callable[[Any], None] | None,
                  size: tuple[int, int]) -> tuple[torch.Tensor, dict[str, Any]]:
    """Run ``engine(callback)``; if the callback raises :class:`RunStopped`, the picture so far instead.

    Args:
        engine: runs an engine with the progress callback it is given and returns its (N, 3, H, W) result.
        callback: the caller's progress callback (it may raise :class:`RunStopped`), or None.
        size: (H, W) of the result, to which a stopped run's live image is resized.

    Returns:
        the image, and what the output's metadata adds: ``interrupted_at_step`` for a stopped run.
    """
    reports: list[Any] = []

    def remembered(progress: Any) -> None:
        reports[:] = [progress]
        if callback is not None:
            callback(progress)

    try:
        return engine(remembered), {}
    except RunStopped:
        if not reports:
            raise
        return snapshot(reports[0].image, size), {"interrupted_at_step": reports[0].run_done}
