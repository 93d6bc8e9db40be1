"""Device and precision policy, and seeding."""

from __future__ import annotations

import copy

import pytest
import torch

from dreamstyle import load_backbone
from dreamstyle.deepdream import DreamConfig, dream_tensor
from dreamstyle.errors import DeviceUnavailableError, InvalidArgumentError
from dreamstyle.imaging import read_image
from dreamstyle.runtime import autocast_dtype, cpu_has_fast_bf16, resolve_device, resolve_precision
from dreamstyle.seeds import choose_seed, make_generator
from dreamstyle.styletransfer import TransferConfig, transfer_tensor
from dreamstyle.styletransfer.engine import compute_targets, losses
from dreamstyle.styletransfer.losses import content_loss

from .helpers import style_loss

CPU = torch.device("cpu")


def test_auto_device_prefers_cuda_then_mps_then_cpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert resolve_device("auto") == CPU
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert resolve_device("auto") == torch.device("mps")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_device("auto") == torch.device("cuda")


def test_missing_devices_and_bad_names_are_clear_errors(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    with pytest.raises(DeviceUnavailableError, match="no usable CUDA GPU"):
        resolve_device("cuda")
    with pytest.raises(DeviceUnavailableError, match="MPS is not available"):
        resolve_device("mps")
    with pytest.raises(InvalidArgumentError, match="unknown device 'tpu'"):
        resolve_device("tpu")


def test_precision_policy():
    assert resolve_precision("auto", CPU) == ("bf16" if cpu_has_fast_bf16() else "fp32")
    assert resolve_precision("fp32", CPU) == "fp32"
    assert resolve_precision("auto", torch.device("mps")) == "fp32"
    with pytest.raises(DeviceUnavailableError, match="fp16 needs a CUDA or MPS device"):
        resolve_precision("fp16", CPU)
    with pytest.raises(InvalidArgumentError, match="unknown precision 'fp8'"):
        resolve_precision("fp8", CPU)


def test_cuda_precision_follows_bf16_support(monkeypatch):
    cuda = torch.device("cuda")
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: True)
    assert resolve_precision("auto", cuda) == "bf16"
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: False)
    assert resolve_precision("auto", cuda) == "fp32"
    with pytest.raises(DeviceUnavailableError, match="does not support bf16"):
        resolve_precision("bf16", cuda)


def test_each_precision_names_its_autocast_dtype():
    assert autocast_dtype("fp32") is None
    assert autocast_dtype("bf16") is torch.bfloat16
    assert autocast_dtype("fp16") is torch.float16


def assert_fp16_gradient_matches(full: torch.Tensor, half: torch.Tensor) -> None:
    """fp16's gradient is finite, points the same way as fp32's and has its length (within 5 %)."""
    assert torch.isfinite(half).all()
    assert torch.nn.functional.cosine_similarity(full, half, dim=0) > 0.99
    assert (half.norm() / full.norm() - 1).abs() < 0.05


def test_fp16_gradients_are_scaled_so_normalised_losses_do_not_underflow(vgg19, photo):
    """A relative content loss's gradient per activation is ~1e-7, below fp16's range: unscaled it is all zeros.

    CPU autocast runs fp16 too (slowly), so the CUDA path is checked here.
    """
    fp16 = copy.copy(vgg19)
    fp16.precision = "fp16"
    with torch.no_grad():
        target = vgg19(photo, ["relu4_2"])["relu4_2"]
    start = (photo * 0.8 + 0.1).requires_grad_(True)
    gradients = []
    for net in (vgg19, fp16):
        feature = net(start, ["relu4_2"])["relu4_2"]
        loss = (feature - target).pow(2).sum() / target.pow(2).sum()
        gradients.append(torch.autograd.grad(loss, start)[0].flatten())
    assert_fp16_gradient_matches(*gradients)


def test_fp16_gradients_of_a_dream_objective_stay_finite(vgg19, photo):
    """A dream's objective sends gradients of several units per activation: a scale sized for
    normalised losses (about the activation count) overflowed them to inf, and the dream to NaN."""
    fp16 = copy.copy(vgg19)
    fp16.precision = "fp16"
    gradients = []
    for net in (vgg19, fp16):
        start = photo.clone().requires_grad_(True)
        objective = net(start, ["relu4_2"])["relu4_2"].pow(2).mean()
        gradients.append(torch.autograd.grad(objective, start)[0].flatten())
    assert_fp16_gradient_matches(*gradients)


def test_bf16_features_are_float32_and_close_to_fp32(vgg19, photo):
    bf16 = load_backbone("vgg19", device=photo.device, precision="bf16")
    layers = ["relu2_1", "relu4_2"]
    with torch.no_grad():
        low, full = bf16(photo, layers), vgg19(photo, layers)
    for name in layers:
        assert low[name].dtype == torch.float32
        relative = (low[name] - full[name]).norm() / full[name].norm()
        assert relative < 0.05, f"{name}: {relative:.3f}"


def test_bf16_backbone_stores_its_weights_cast_once(photo):
    """Weights kept in bf16 give exactly what autocast gave when it cast float32 weights on every forward."""
    bf16 = load_backbone("vgg19", device=photo.device, precision="bf16")
    assert {p.dtype for p in bf16.features.parameters()} == {torch.bfloat16}
    cast_each_time = copy.deepcopy(bf16)
    cast_each_time.features.float()
    x, layers = photo.clone().requires_grad_(True), ["relu1_1", "relu4_2"]
    for native in (False, True):
        stored, recast = bf16(x, layers, native=native), cast_each_time(x, layers, native=native)
        for name in stored:
            assert torch.equal(stored[name], recast[name])
        by_stored = torch.autograd.grad(stored["relu4_2"].float().square().sum(), x)[0]
        by_recast = torch.autograd.grad(recast["relu4_2"].float().square().sum(), x)[0]
        assert torch.equal(by_stored, by_recast)


def test_losses_on_native_bf16_activations_keep_the_float32_gradient(vgg19, photo, data_dir):
    """Losses read bf16 activations as they are and send their gradient back in bf16; the image's gradient barely moves."""
    bf16 = load_backbone("vgg19", device=photo.device, precision="bf16")
    style = read_image(data_dir / "mosaic.jpg", size=64).batch().to(photo.device)
    config = TransferConfig(scales=1)
    targets = compute_targets(bf16, photo, [style], config, (1.0,), tuple(photo.shape[-2:]))
    gradients = []
    for native in (False, True):
        x = photo.clone().requires_grad_(True)
        feats = bf16(x, config.layer_names, native=native)
        assert {f.dtype for f in feats.values()} == {torch.bfloat16 if native else torch.float32}
        loss = (content_loss(feats, targets.content.features, config.content_layers)
                + style_loss(feats, targets.style.target, config.style_layers))
        assert loss.dtype == torch.float32
        gradients.append(torch.autograd.grad(loss, x)[0])
    relative = ((gradients[1] - gradients[0]).norm() / gradients[0].norm()).item()
    assert 0 < relative < 0.01, relative
    assert vgg19(photo, ["relu2_1"], native=True)["relu2_1"].dtype == torch.float32  # fp32 nets: float32 anyway


def test_seeds():
    assert choose_seed(7) == 7
    chosen = choose_seed(None)
    assert 0 <= chosen < 2**32
    with pytest.raises(InvalidArgumentError):
        choose_seed(-1)
    first = torch.rand(4, generator=make_generator(3))
    assert torch.equal(first, torch.rand(4, generator=make_generator(3)))
    assert not torch.equal(first, torch.rand(4, generator=make_generator(4)))


def test_bf16_and_fp32_engines_give_close_outputs(vgg19, photo, data_dir):
    """bf16 autocast rounds the convolutions only: both engines' pictures barely change."""
    bf16 = load_backbone("vgg19", device=photo.device, precision="bf16")
    small = photo[..., :64, :64]
    dream = DreamConfig(octaves=1, iterations=4)
    dreamed = [dream_tensor(net, small, dream, seed=0) for net in (vgg19, bf16)]
    assert (dreamed[0] - small).abs().mean() > 0.01  # it did dream
    assert (dreamed[0] - dreamed[1]).abs().mean() < 0.1 * (dreamed[0] - small).abs().mean()

    # L-BFGS paths part a little (its line search branches on the rounding),
    # so the transfers are compared by their objective, measured in fp32, once
    # it has settled: after 10 iterations it is still falling fast, and the two
    # differ by 7 %; after 40, by 1.8 %.
    style = read_image(data_dir / "mosaic.jpg", size=64).batch().to(photo.device)
    transfer = TransferConfig(scales=1, iterations=40)
    targets = compute_targets(vgg19, small, [style], transfer, (1.0,), tuple(small.shape[-2:]))
    with torch.no_grad():
        start = sum(losses(vgg19, small, targets, transfer))
        reached = [sum(losses(vgg19, transfer_tensor(net, small, [style], transfer, seed=0), targets, transfer))
                   for net in (vgg19, bf16)]
    assert reached[0] < 0.6 * start  # it did paint
    assert abs(reached[1] - reached[0]) < 0.05 * reached[0]
