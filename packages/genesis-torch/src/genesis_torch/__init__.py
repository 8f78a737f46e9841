"""Genesis on PyTorch: the CTGAN, TVAE and TimeGAN generators.

Users reach these through ``genesis.SyntheticGenerator(method="ctgan")`` or
``method="tvae"``; the classes here are the implementations the ``genesis``
plugin registry finds through this package's entry point.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["CTGANGenerator", "TVAEGenerator", "TimeGANGenerator"]

# Imported on first access, so that loading the plugin (which every run of
# genesis does) does not import torch.
_LAZY = {
    "CTGANGenerator": "genesis_torch.ctgan",
    "TVAEGenerator": "genesis_torch.tvae",
    "TimeGANGenerator": "genesis_torch.timegan",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
