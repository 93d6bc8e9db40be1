"""What a run of an engine will do, resolved from presets, a previous output and flags, and
recorded in the output so it can be repeated. Shared by ``dream`` and ``transfer``."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, ClassVar, Protocol

import torch
from PIL import Image

from .backbone import BackboneChoice, VGGFeatures, backbone_of
from .engines import COMMANDS, ENGINE_SETTING, PreparedRun, engine_named, engine_of, setting_names
from .errors import InvalidArgumentError, Setting
from .imaging import Picture, picture_to_pil, read_metadata
from .imaging.read import ImageLike, as_picture
from .imaging.resizing import fit_longest_side, resize
from .presets import merge_settings
from .progress import shown
from .seeds import choose_seed
from .version import __version__


class EngineConfig(Protocol):
    """A frozen engine config: plain values out, and back in."""

    def to_dict(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Run:
    """Everything that decides an engine's pixels, besides the images and the weights.

    Attributes:
        command: ``"dream"`` or ``"transfer"`` (see :data:`~dreamstyle.engines.COMMANDS`).
        engine: the engine that runs it (see :data:`~dreamstyle.engines.ENGINES`).
        config: the engine's config.
        seed: the seed used (chosen at random when none was given).
        size: longest side of the output as asked for (it may enlarge the
            input), or None to keep the input's size up to ``size_cap``.
        preset: the preset the settings started from.
        size_cap: without ``size``, inputs larger than this are made this
            size; None keeps every input's size. Never enlarges.
    """

    command: str
    engine: str
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

    def settings(self) -> dict[str, Any]:
        """The engine's settings as plain values, naming the engine where the command has several: an output's
        ``config``, which :meth:`RunRequest.resolve` reads back."""
        config = self.config.to_dict()
        if COMMANDS[self.command].names_engine:
            config[ENGINE_SETTING] = self.engine
        return config

    def metadata(self, net: VGGFeatures, **extra: Any) -> dict[str, Any]:
        """The parameters stored in the output file, enough for ``--like`` to repeat the run."""
        return {
            "dreamstyle": __version__, "command": self.command, "preset": self.preset, "seed": self.seed,
            "size": self.size, "config": self.settings(), "weights": net.weights,
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

    def resolve(self, command: str) -> Run:
        """A ``command`` run: the preset's settings, then ``like``'s, then :attr:`settings`, lowest precedence
        first; without a preset or a previous run, the command's default preset. This checks every value and
        loads nothing.

        Raises:
            InvalidArgumentError: naming the setting (and, for a bad value a preset file holds, the file).
        """
        spec = COMMANDS[command]
        preset = spec.default_preset if self.preset is None and self.like is None else self.preset
        like_config = None if self.like is None else self.like.get("config", {})
        values = merge_settings(command, setting_names(command), preset, like_config, self.settings)
        if (like_config is not None and spec.names_engine and ENGINE_SETTING not in like_config
                and self.settings.get(ENGINE_SETTING) is None):
            # An output made before its command had several engines was made by the default one, over the preset's.
            values[ENGINE_SETTING] = spec.default_engine
        size, seed = self.size, self.seed
        if self.like is not None:
            seed = self.like.get("seed") if seed is None else seed
            size = self.like.get("size") if size is None else size
            preset = preset if preset is not None else self.like.get("preset")
        if size is not None and size < 16:
            raise InvalidArgumentError.about("size", f"must be at least 16 px, got {size}")
        try:
            engine = engine_of(command, values)
            if like_config is not None:
                # Settings newer than ``like``'s metadata take the values its run had, over the preset's.
                older = {key: value for key, value in getattr(engine.config, "VALUES_IN_OLDER_RUNS", {}).items()
                         if key not in like_config and self.settings.get(key) is None}
                like_config = {**older, **like_config}
                values.update(older)
            config = engine.config.from_dict(values)
        except InvalidArgumentError as error:
            field = error.setting
            from_preset = (field in values and self.settings.get(field) is None
                           and not (like_config and field in like_config))
            if preset is None or not from_preset:
                raise
            # The bad value came from the preset file: say which, so it can be fixed there.
            raise InvalidArgumentError(Setting("preset"), f" {os.fspath(preset)}: ", *error.parts,
                                       setting=field) from None
        return Run(command, engine.name, config, choose_seed(seed), size,
                   None if preset is None else os.fspath(preset), spec.size_cap)


class EngineRequest:
    """What every command's request (:class:`~dreamstyle.deepdream.request.DreamRequest`,
    :class:`~dreamstyle.transfer_request.TransferRequest`) shares: its ``run``, a :class:`RunRequest`, resolved
    for its :attr:`command` and prepared by the engine the settings choose."""

    command: ClassVar[str]
    run: RunRequest

    def with_run(self, **changes: Any) -> Any:
        """This request with ``changes`` to its :class:`RunRequest` (``seed=7``, ``settings={...}``)."""
        return replace(self, run=replace(self.run, **changes))

    def resolve(self) -> Run:
        """The settings, resolved (this checks every value; it loads nothing)."""
        return self.run.resolve(self.command)

    def check(self, run: Run, size: tuple[int, int] | None = None) -> None:
        """Refuse what ``run`` cannot do before the backbone loads; with the picture's (H, W) ``size``, masks
        of another shape too."""

    def prepare(self, backbone: VGGFeatures | BackboneChoice | None = None, run: Run | None = None
                ) -> PreparedRun:
        """The run on its backbone, by the engine its settings choose (``backbone``: a loaded one, or which to
        load; default: ``like``'s, else VGG19). ``run``: the settings if resolved already."""
        run = run or self.resolve()
        self.check(run)
        engine, net = engine_named(run.engine), backbone_of(backbone, self.run.like)
        engine.check(net, run.config)
        return engine.prepare(self, run, net)


def file_name(image: object) -> str | None:
    """What metadata calls an image argument: a file's name, None for an image in memory."""
    return Path(image).name if isinstance(image, (str, os.PathLike)) else None


def render_still(prepared: PreparedRun, image: ImageLike, callback: Callable[[Any], None] | None = None,
                 progress: bool = False, **extra: Any) -> Image.Image:
    """One picture made by a prepared run, as the Python API returns it: the API's, the studio's.

    Args:
        prepared: the run.
        image: the photo (path, Pillow image, Picture or (3, H, W) tensor in [0, 1]); resized as the run says.
        callback: the progress callback; it may raise :class:`RunStopped` to end with the picture so far.
        progress: also draw the command line's progress bar on stderr.
        **extra: added to the result's metadata.

    Returns:
        RGB (or RGBA if ``image`` had alpha); ``info["dreamstyle"]`` holds its metadata.
    """
    picture = prepared.run.fit(as_picture(image))
    hw = (picture.height, picture.width)
    with shown(callback, progress, prepared.run.command) as reported:
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
