"""The devices and precisions a run may ask for, by name.

:mod:`dreamstyle.runtime` decides what each means on this machine; the names
live here, without torch, so that the command line can offer and check them
before it imports torch.
"""

from __future__ import annotations

DEVICE_CHOICES = ("auto", "cpu", "cuda", "mps")
PRECISION_CHOICES = ("auto", "fp32", "bf16", "fp16")
