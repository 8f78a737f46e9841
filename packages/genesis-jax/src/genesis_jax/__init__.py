"""Genesis on JAX: CTGAN, TVAE and TimeGAN with compiled training steps.

Users reach these through ``genesis.SyntheticGenerator(method=..., backend="jax")``
or ``genesis.generators.timeseries.TimeGANGenerator(..., backend="jax")``; the
classes are the implementations the ``genesis`` plugin registry finds through
this package's entry point.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["CTGANGenerator", "TVAEGenerator", "TimeGANGenerator"]

# Imported on first access, so that loading the plugin (which every run of
# genesis does) does not import jax and flax.
_LAZY = {
    "CTGANGenerator": "genesis_jax.ctgan",
    "TVAEGenerator": "genesis_jax.tvae",
    "TimeGANGenerator": "genesis_jax.timegan",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
