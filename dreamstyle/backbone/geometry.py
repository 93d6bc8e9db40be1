"""VGG layer geometry as data: the configuration tables, layer names, channels, strides and receptive fields.

The tables are torchvision's configurations "D" (VGG16) and "E" (VGG19), so the
modules built from them (:mod:`.architecture`) sit at the same ``features.N``
indices as torchvision's. Nothing here needs torch, so the command line can
list layers and check names without importing it.
"""

from __future__ import annotations

from dataclasses import dataclass

POOL = "M"

# Output channels of each 3x3 convolution, with POOL for each 2x2 max pool.
VGG_CONFIGS: dict[str, tuple[int | str, ...]] = {
    "vgg16": (64, 64, POOL, 128, 128, POOL, 256, 256, 256, POOL,
              512, 512, 512, POOL, 512, 512, 512, POOL),
    "vgg19": (64, 64, POOL, 128, 128, POOL, 256, 256, 256, 256, POOL,
              512, 512, 512, 512, POOL, 512, 512, 512, 512, POOL),
}

POOLINGS = ("max", "avg")

@dataclass(frozen=True)
class LayerSpec:
    """One named layer of a VGG feature stack.

    Attributes:
        name: conventional name, ``conv{block}_{i}``, ``relu{block}_{i}`` or ``pool{block}``.
        index: position in ``features`` (torchvision's ``features.N``).
        kind: ``"conv"``, ``"relu"`` or ``"pool"``.
        channels: channels of the layer's output.
        stride: input pixels per output pixel along each axis.
        receptive_field: side in input pixels of the window one output pixel sees.
    """

    name: str
    index: int
    kind: str
    channels: int
    stride: int
    receptive_field: int


def check_arch(arch: str) -> tuple[int | str, ...]:
    try:
        return VGG_CONFIGS[arch]
    except KeyError:
        raise ValueError(f"unknown VGG architecture {arch!r}; known: {', '.join(VGG_CONFIGS)}") from None


def layer_specs(arch: str) -> tuple[LayerSpec, ...]:
    """Every layer of ``arch`` in execution order, with its geometry."""
    specs: list[LayerSpec] = []
    block, conv_in_block, channels, stride, field = 1, 0, 3, 1, 1
    for entry in check_arch(arch):
        if entry == POOL:
            field += stride  # a 2x2 window adds one input step
            stride *= 2
            specs.append(LayerSpec(f"pool{block}", len(specs), "pool", channels, stride, field))
            block, conv_in_block = block + 1, 0
            continue
        conv_in_block += 1
        channels = int(entry)
        field += 2 * stride  # a 3x3 window adds one step on each side
        suffix = f"{block}_{conv_in_block}"
        specs.append(LayerSpec(f"conv{suffix}", len(specs), "conv", channels, stride, field))
        specs.append(LayerSpec(f"relu{suffix}", len(specs), "relu", channels, stride, field))
    return tuple(specs)
