"""The engine seam: every engine, the command whose requests it runs, and what a front end asks of a prepared run.

A front end (the command line, the studio, the clip renderer, the progress
bars) holds a :class:`PreparedRun` and asks it what a run costs, how it
renders a clip's frames, what its outputs record; it never asks which engine
it holds. An engine is a package that makes a prepared run from a request of
its command (:class:`~dreamstyle.deepdream.request.DreamRequest`,
:class:`~dreamstyle.transfer_request.TransferRequest`), plus one line in
:data:`ENGINES`. Which engine runs a transfer is a setting like any other
(``engine``, which presets such as ``instant`` set).

Torch-free: the command line reads settings' names and presets from here before torch loads.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Protocol

from .deepdream.config import DEFAULT_PRESET as DREAM_PRESET
from .deepdream.config import DreamConfig
from .errors import InvalidArgumentError
from .instant.config import InstantConfig
from .styletransfer.config import DEFAULT_PRESET as TRANSFER_PRESET
from .styletransfer.config import DEFAULT_SIZE, TransferConfig

if TYPE_CHECKING:
    import torch

    from .backbone import VGGFeatures
    from .estimate import Cost
    from .runs import Run
    from .video.config import TemporalConfig
    from .video.temporal import FrameRenderer

# The setting that names a run's engine, for a command with several.
ENGINE_SETTING = "engine"


@dataclass(frozen=True)
class Command:
    """What every run of a command shares, whichever engine makes it.

    Attributes:
        name: ``"dream"`` or ``"transfer"``: its presets' folder and its outputs' ``command``.
        default_preset: the preset of a run that names none (and has no earlier output to be like).
        default_engine: the engine of a run whose settings name none, and of every run made before its command
            had several.
        size_cap: without a size, inputs larger than this are made this size; None keeps every input's size.
        names_engine: whether its outputs' settings say which engine made them (``config["engine"]``).
        request: ``"module:Class"``, its request (an :class:`~dreamstyle.runs.EngineRequest`), imported when first
            used.
    """

    name: str
    default_preset: str
    default_engine: str
    size_cap: int | None = None
    names_engine: bool = False
    request: str = ""

    def request_type(self) -> Any:
        """Its request class, whose ``of_files(styles, masks, run, frames=, still=)`` every front end that holds
        files (the studio) builds it with."""
        return _imported(self.request)


@dataclass(frozen=True)
class Engine:
    """An engine as the registry lists it.

    Attributes:
        name: what the ``engine`` setting calls it.
        command: the command whose requests it runs.
        config: its frozen config dataclass (``to_dict``/``from_dict``), torch-free.
        prepared: ``"module:name"`` of its prepared run's class (or any function) called ``(request, run, net)``,
            imported when first used (engines import torch; the registry does not).
        builtin_styles: whether it paints the instant network's built-in styles (``builtin:N``).
        checks: ``"module:function"``, the function ``(net, config) -> None`` that refuses settings the backbone
            cannot run (layers it lacks), or empty for none; run before every prepared run is made.
    """

    name: str
    command: str
    config: type
    prepared: str
    builtin_styles: bool = False
    checks: str = ""

    def check(self, net: VGGFeatures, config: Any) -> None:
        """Refuse ``config`` where ``net`` cannot run it (before any image is read)."""
        if self.checks:
            _imported(self.checks)(net, config)

    def prepare(self, request: Any, run: Run, net: VGGFeatures) -> PreparedRun:
        """``request`` (of :attr:`command`) with its resolved ``run`` on ``net``, ready to start."""
        return _imported(self.prepared)(request, run, net)


def _imported(path: str) -> Any:
    """The object ``"module:name.attribute"`` names, its module imported."""
    module, _, names = path.partition(":")
    found: Any = importlib.import_module(module)
    for name in names.split("."):
        found = getattr(found, name)
    return found


COMMANDS: Mapping[str, Command] = MappingProxyType({
    "dream": Command("dream", DREAM_PRESET, default_engine="dream", request="dreamstyle.deepdream.request:DreamRequest"),
    # Gatys' optimisation costs grow with the pixel count; without a size a large photo would take hours.
    "transfer": Command("transfer", TRANSFER_PRESET, default_engine="gatys", size_cap=DEFAULT_SIZE, names_engine=True,
                        request="dreamstyle.transfer_request:TransferRequest"),
})

ENGINES: Mapping[str, Engine] = MappingProxyType({
    "dream": Engine("dream", "dream", DreamConfig, "dreamstyle.deepdream.request:PreparedDream",
                    checks="dreamstyle.deepdream.engine:check_config"),
    "gatys": Engine("gatys", "transfer", TransferConfig, "dreamstyle.styletransfer.prepared:PreparedTransfer",
                    checks="dreamstyle.styletransfer.engine:check_layers"),
    "instant": Engine("instant", "transfer", InstantConfig, "dreamstyle.instant.prepared:PreparedInstant",
                      builtin_styles=True),
})


def engine_named(name: str) -> Engine:
    """The engine the registry calls ``name`` (a run's :attr:`~dreamstyle.runs.Run.engine`)."""
    return ENGINES[name]


def engines_of(command: str) -> list[Engine]:
    """The engines that run ``command``'s requests, its default first."""
    default = COMMANDS[command].default_engine
    return sorted((engine for engine in ENGINES.values() if engine.command == command),
                  key=lambda engine: engine.name != default)


def setting_names(command: str) -> tuple[str, ...]:
    """Every setting a ``command`` run may be given (by a preset, an earlier output or a flag): its engines'
    config fields, each once, and ``engine`` where it has several."""
    names = [field.name for engine in engines_of(command) for field in fields(engine.config)]
    if COMMANDS[command].names_engine:
        names.insert(0, ENGINE_SETTING)
    return tuple(dict.fromkeys(names))


def engine_of(command: str, values: Mapping[str, Any]) -> Engine:
    """The engine that ``values`` (merged settings) choose for a ``command`` run.

    Raises:
        InvalidArgumentError: naming ``engine``, for one that does not run ``command``'s requests.
    """
    name = values.get(ENGINE_SETTING) or COMMANDS[command].default_engine
    names = [engine.name for engine in engines_of(command)]
    if name not in names:
        raise InvalidArgumentError.about(ENGINE_SETTING, f"must be one of {', '.join(names)}, got {name!r}")
    return ENGINES[name]


class PreparedRun(Protocol):
    """A run ready to start, as every front end asks it: the one seam between front ends and engines.

    Attributes:
        run: its resolved settings.
        net: its backbone.
    """

    run: Run
    net: VGGFeatures

    def metadata(self, **extra: Any) -> dict[str, Any]:
        """What every output of the run carries, with ``extra`` (an input's name, a frame number) added."""

    def still(self, batch: torch.Tensor, callback: Callable[[Any], None] | None) -> torch.Tensor:
        """The engine on one (1, 3, H, W) picture in [0, 1], reporting :class:`~dreamstyle.progress.EngineProgress`
        to ``callback``; returns (1, 3, H, W) in [0, 1]."""

    def cost(self, height: int, width: int) -> Cost:
        """What a picture of (H, W) costs on its own (a still, a batch's photo, a clip's first frame)."""

    def later_cost(self, height: int, width: int, temporal: TemporalConfig) -> Cost:
        """What a clip's frame of (H, W) after its first costs, under ``temporal``."""

    def renderer(self, temporal: TemporalConfig) -> FrameRenderer:
        """Renders a clip's frames one by one under ``temporal``, each on the one before."""

    @property
    def temporal_defaults(self) -> TemporalConfig:
        """How its clips' frames build on each other when nothing says otherwise."""

    def preview(self) -> PreparedRun | None:
        """A much faster run whose picture can stand in while this one starts, or None."""

