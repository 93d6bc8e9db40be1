"""On a CUDA GPU: repeatable seeds, fp16 close to fp32, bf16 by default, tiles sized by free VRAM, a clear out-of-memory error.

Run with ``pytest --device cuda`` (benchmarks/gpu.sh does); skipped elsewhere.
"""

from __future__ import annotations

import pytest
import torch

from dreamstyle import load_backbone
from dreamstyle.backbone.tiling import choose_tile
from dreamstyle.deepdream import DreamConfig, dream_tensor
from dreamstyle.imaging import read_image
from dreamstyle.runtime import available_memory, resolve_precision, use_deterministic_algorithms
from dreamstyle.seeds import make_generator
from dreamstyle.styletransfer import TransferConfig, transfer_tensor
from dreamstyle.styletransfer.engine import compute_targets, losses
from dreamstyle.styletransfer.starts import initial_image

pytestmark = pytest.mark.cuda_only

DREAM = DreamConfig(octaves=2, iterations=4)
TRANSFER = TransferConfig(scales=2, start_size=48, iterations=20)


@pytest.fixture(scope="module")
def style(data_dir, device) -> torch.Tensor:
    return read_image(data_dir / "mosaic.jpg", size=96).batch().to(device)


@pytest.fixture()
def deterministic():
    use_deterministic_algorithms(True)
    yield
    use_deterministic_algorithms(False)


def test_seeded_reruns_are_identical_on_the_gpu(vgg19, photo, style):
    assert torch.equal(dream_tensor(vgg19, photo, DREAM, seed=1), dream_tensor(vgg19, photo, DREAM, seed=1))
    first = transfer_tensor(vgg19, photo, [style], TRANSFER, seed=1)
    assert torch.equal(first, transfer_tensor(vgg19, photo, [style], TRANSFER, seed=1))


def test_deterministic_algorithms_repeat_bit_for_bit(photo, style, deterministic):
    net = load_backbone(device=photo.device, precision="bf16")
    assert not torch.backends.cudnn.benchmark
    runs = [transfer_tensor(net, photo, [style], TRANSFER, seed=2) for _ in range(2)]
    assert torch.equal(*runs)


def test_noise_starts_are_the_same_numbers_as_on_the_cpu(photo, style):
    config = TransferConfig(init="noise")
    on_gpu = initial_image(photo, [style], config, make_generator(3), None)
    on_cpu = initial_image(photo.cpu(), [style.cpu()], config, make_generator(3), None)
    assert on_gpu.device == photo.device
    torch.testing.assert_close(on_gpu.cpu(), on_cpu, rtol=0, atol=0)


def test_auto_precision_is_bf16_on_a_gpu_that_has_it(device):
    assert resolve_precision("auto", device) == ("bf16" if torch.cuda.is_bf16_supported() else "fp32")
    assert load_backbone(device=device).precision == resolve_precision("auto", device)


# bf16 against fp32 on the device under test: test_runtime.py's engine tests.
def test_fp16_dream_is_finite_and_close_to_fp32(vgg19, photo):
    net = load_backbone(device=photo.device, precision="fp16")
    full, half = dream_tensor(vgg19, photo, DREAM, seed=0), dream_tensor(net, photo, DREAM, seed=0)
    assert torch.isfinite(half).all()
    change = (full - photo).abs().mean()
    assert change > 0.01 and (half - full).abs().mean() < 0.15 * change


def test_fp16_transfer_is_finite_and_close_to_fp32(vgg19, photo, style):
    """Compared by the objective each output reaches, measured in fp32 (L-BFGS's paths part on the rounding)."""
    net = load_backbone(device=photo.device, precision="fp16")
    config = TransferConfig(scales=1, iterations=40)
    targets = compute_targets(vgg19, photo, [style], config, (1.0,), tuple(photo.shape[-2:]))
    with torch.no_grad():
        start = sum(losses(vgg19, photo, targets, config)).item()
        reached = []
        for each in (vgg19, net):
            out = transfer_tensor(each, photo, [style], config, seed=0)
            assert torch.isfinite(out).all()
            reached.append(sum(losses(vgg19, out, targets, config)).item())
    assert reached[0] < 0.6 * start
    assert abs(reached[1] - reached[0]) < 0.05 * reached[0]


def test_automatic_tiles_follow_free_vram(vgg19, monkeypatch):
    free, _total = torch.cuda.mem_get_info(vgg19.device)
    assert available_memory(vgg19.device) >= free  # VRAM, with the allocator's cached blocks added back
    layers = ["relu4_2", "relu5_1"]
    assert choose_tile(vgg19, layers, (2048, 2048), None) == 0  # a roomy GPU runs it whole
    monkeypatch.setattr(torch.cuda, "mem_get_info", lambda device=None: (2 * 2**30, 4 * 2**30))
    monkeypatch.setattr(torch.cuda, "memory_reserved", lambda device=None: 0)
    small_gpu = choose_tile(vgg19, layers, (2048, 2048), None)
    monkeypatch.setattr(torch.cuda, "mem_get_info", lambda device=None: (8 * 2**30, 16 * 2**30))
    larger_gpu = choose_tile(vgg19, layers, (2048, 2048), None)
    assert 0 < small_gpu < larger_gpu  # more free VRAM, larger tiles: no CPU ceiling on a GPU


def test_running_out_of_vram_raises_torch_out_of_memory(vgg19, device):
    huge = torch.rand(1, 3, 30000, 30000, device=device)  # its first activation alone would take 230 GB
    with pytest.raises(torch.OutOfMemoryError):
        dream_tensor(vgg19, huge, DreamConfig(octaves=1, iterations=1, tile=0), seed=0)
    del huge
    torch.cuda.empty_cache()
