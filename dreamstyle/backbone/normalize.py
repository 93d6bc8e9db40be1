"""The first layer of every backbone: RGB in [0, 1] turned into what its weights were trained on."""

from __future__ import annotations

import torch
from torch import nn

from .preprocessing import Preprocessing


class Normalize(nn.Module):
    """Maps RGB in [0, 1], shape (N, 3, H, W), to a weight set's input convention.

    The whole convention folds into a channel permutation and one affine map,
    ``x[:, order] * scale + shift``, held as buffers so it moves with ``.to()``.
    """

    def __init__(self, preprocessing: Preprocessing):
        super().__init__()
        self.preprocessing = preprocessing
        order = [2, 1, 0] if preprocessing.channel_order == "BGR" else [0, 1, 2]
        std = torch.tensor(preprocessing.std)
        mean = torch.tensor(preprocessing.mean)
        self.register_buffer("order", torch.tensor(order), persistent=False)
        self.register_buffer("scale", (preprocessing.value_range / std).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("shift", (-mean / std).view(1, 3, 1, 1), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.index_select(1, self.order) * self.scale + self.shift
