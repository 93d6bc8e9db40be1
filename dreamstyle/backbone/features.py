"""VGGFeatures: named intermediate activations of a frozen VGG."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

import torch
from torch import nn

from ..errors import InvalidArgumentError
from ..runtime import autocast
from .architecture import make_features
from .geometry import LayerSpec, layer_specs
from .normalize import Normalize
from .preprocessing import Preprocessing

# Under fp16 the largest gradient entering the network from the losses is
# scaled to about this: far above fp16's smallest normal number (6e-5), and
# far enough below its largest (65504) for the sums of the backward pass.
FP16_GRADIENT_PEAK = 1.0


class LossScale:
    """fp16's loss scale for one forward pass, chosen in the backward pass from the first gradient that arrives.

    The losses' gradients per activation span orders of magnitude (a style
    loss normalised per activation sends about 1e-7, a dream objective several
    units): a fixed scale either underflows the first or overflows the second
    to inf, and the picture to NaN. Chosen from the gradient itself, as a power
    of two (exact to apply and undo), it fits both. Kept as a tensor, so
    choosing it never waits for the device.
    """

    def __init__(self) -> None:
        self.factor: torch.Tensor | None = None

    def choose(self, gradient: torch.Tensor) -> torch.Tensor:
        if self.factor is None:
            peak = gradient.detach().abs().amax().float().clamp_min(torch.finfo(torch.float32).tiny)
            self.factor = torch.exp2(torch.floor(torch.log2(FP16_GRADIENT_PEAK / peak)))
        return self.factor


class ScaleGradient(torch.autograd.Function):
    """The identity forward. Backward, at an activation returned under fp16 (``up``), the
    gradient times the :class:`LossScale`; at the network's input, divided by it again."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, scale: LossScale, up: bool) -> torch.Tensor:
        ctx.scale, ctx.up = scale, up
        return x.view_as(x)

    @staticmethod
    def backward(ctx, gradient: torch.Tensor) -> tuple[torch.Tensor, None, None]:
        if ctx.up:
            return gradient * ctx.scale.choose(gradient).to(gradient.dtype), None, None
        factor = ctx.scale.factor
        return (gradient if factor is None else gradient.float() / factor), None, None


def positions_by_channels(features: torch.Tensor) -> torch.Tensor:
    """(N, C, H, W) -> (N, H * W, C): one row of channels per position.

    The backbone's activations are channels_last, so this is a view, not a
    copy. Losses that sum over positions (Gram matrices, matching guide
    features) work on these rows: the (N, C, H * W) flattening would transpose
    every activation in memory, on the way forward and again on the way back.
    """
    return features.permute(0, 2, 3, 1).flatten(1, 2)


class VGGFeatures(nn.Module):
    """A VGG feature stack that returns the activations of the layers asked for.

    The module owns its weight set's preprocessing, so callers always pass RGB
    in [0, 1] whatever the weights were trained on, and its precision policy,
    so convolutions run under autocast while the returned activations are
    float32 (or, asked for, bf16: see :meth:`forward`). Parameters are frozen
    (:func:`~dreamstyle.backbone.load_backbone` stores them in the dtype the
    convolutions run in); gradients flow to the input.

    Args:
        arch: ``"vgg16"`` or ``"vgg19"``.
        preprocessing: the input convention of the weights to be loaded.
        pooling: ``"max"`` or ``"avg"`` (scaled average pooling).
        precision: ``"fp32"``, ``"bf16"`` or ``"fp16"``: the autocast dtype of the convolutions.
        weights: a label for the weights, recorded in output metadata.
    """

    def __init__(
        self,
        arch: str,
        preprocessing: Preprocessing,
        pooling: str = "max",
        precision: str = "fp32",
        weights: str = "",
    ):
        super().__init__()
        self.arch = arch
        self.pooling = pooling
        self.precision = precision
        self.weights = weights
        self.specs: tuple[LayerSpec, ...] = layer_specs(arch)
        self._spec_by_name = {spec.name: spec for spec in self.specs}
        self.normalize = Normalize(preprocessing)
        self.features = make_features(arch, pooling)

    @property
    def preprocessing(self) -> Preprocessing:
        return self.normalize.preprocessing

    @property
    def layer_names(self) -> tuple[str, ...]:
        """All layer names in execution order: ``("conv1_1", "relu1_1", ..., "pool5")``."""
        return tuple(spec.name for spec in self.specs)

    @property
    def activation_dtype(self) -> torch.dtype:
        """The dtype of ``forward(..., native=True)``'s activations: bf16 when the
        convolutions run in bf16, else float32 (fp16 gradients need float32 loss
        scaling, see :class:`LossScale`)."""
        return torch.bfloat16 if self.precision == "bf16" else torch.float32

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device

    def spec(self, name: str) -> LayerSpec:
        """The :class:`LayerSpec` of layer ``name``; unknown names raise a helpful ValueError."""
        try:
            return self._spec_by_name[name]
        except KeyError:
            raise self._unknown_layer(name) from None

    def check_layers(self, names: Iterable[str], setting: str) -> None:
        """Raise an error about ``setting`` naming the first of ``names`` this network does not have."""
        for name in names:
            if name not in self._spec_by_name:
                raise self._unknown_layer(name, setting)

    def _unknown_layer(self, name: str, setting: str | None = None) -> InvalidArgumentError:
        close = difflib.get_close_matches(str(name), self.layer_names, n=4, cutoff=0.5)
        hint = f"; closest: {', '.join(close)}" if close else ""
        return InvalidArgumentError(f"unknown layer {name!r} for {self.arch}{hint} (all layers: dreamstyle layers)",
                                    setting=setting)

    def min_input_size(self, layers: Sequence[str]) -> int:
        """Smallest height and width (px) at which every layer in ``layers`` has one pixel."""
        return max(self.spec(name).stride for name in layers)

    def forward(self, x: torch.Tensor, layers: Sequence[str], *, native: bool = False) -> dict[str, torch.Tensor]:
        """Activations of ``layers`` for images ``x``.

        Args:
            x: (N, 3, H, W) RGB in [0, 1], on this module's device.
            layers: layer names, any order; the network runs only up to the deepest.
            native: return the activations in :attr:`activation_dtype` instead
                of float32. A loss that casts them itself can then send its
                gradient back in bf16, the dtype the convolutions take it in
                anyway, and skip two casts of every activation.

        Returns:
            {name: (N, C, H / stride, W / stride) activation} in the order
            asked, float32 unless ``native``, channels_last.
        """
        if isinstance(layers, str):
            layers = [layers]
        if not layers:
            raise InvalidArgumentError("no layers requested")
        wanted = {self.spec(name).index: name for name in layers}
        self._check_input(x, layers)
        deepest = max(wanted)
        found: dict[str, torch.Tensor] = {}
        with autocast(x.device, self.precision):
            # oneDNN and cuDNN run 3x3 convolutions fastest on NHWC tensors
            # (benchmarks/RESULTS.md, "Where the constants come from").
            h = self.normalize(x).contiguous(memory_format=torch.channels_last)
            # fp16 loss scaling inside the network: gradients cross the fp16
            # layers multiplied by a LossScale and are divided by it again, in
            # fp32, before they reach the input; callers never see it.
            scale = LossScale() if self.precision == "fp16" and torch.is_grad_enabled() and x.requires_grad else None
            if scale is not None:
                h = ScaleGradient.apply(h, scale, False)
            for index in range(deepest + 1):
                h = self.features[index](h)
                if index in wanted:
                    found[wanted[index]] = self._returned(h, native, scale)
        return {name: found[name] for name in layers}

    def _returned(self, h: torch.Tensor, native: bool, scale: LossScale | None) -> torch.Tensor:
        """Activation ``h`` as :meth:`forward` returns it: as computed, or float32 (under fp16, loss-scaled)."""
        if native and h.dtype == self.activation_dtype:
            return h
        h = h.float()
        return h if scale is None else ScaleGradient.apply(h, scale, True)

    def _check_input(self, x: torch.Tensor, layers: Sequence[str]) -> None:
        if x.dim() != 4 or x.shape[1] != 3:
            raise InvalidArgumentError(
                f"expected images shaped (N, 3, H, W), got {tuple(x.shape)}"
            )
        if x.device != self.device:
            raise InvalidArgumentError(
                f"the images are on {x.device} and the network on {self.device}: move them with x.to(net.device)"
            )
        height, width = x.shape[-2:]
        need = self.min_input_size(layers)
        if min(height, width) < need:
            deepest = max(layers, key=lambda name: self.spec(name).stride)
            raise InvalidArgumentError(
                f"a {width}x{height} px input is too small for layer {deepest} of {self.arch}: "
                f"it needs at least {need}x{need} px"
            )

    def extra_repr(self) -> str:
        return f"arch={self.arch}, weights={self.weights!r}, pooling={self.pooling}, precision={self.precision}"
