"""Tests every neural backend must pass alike: one module, run once per backend.

A backend that is not installed is skipped, so the same files serve the
session with every backend and the jax-only one.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

BACKENDS = {"torch": "genesis_torch", "jax": "genesis_jax"}


@dataclass(frozen=True)
class Backend:
    """One installed backend's name and its CTGAN and TVAE classes."""

    name: str
    ctgan: type
    tvae: type

    def implementation(self, method: str) -> type:
        return {"ctgan": self.ctgan, "tvae": self.tvae}[method]


@pytest.fixture(params=list(BACKENDS))
def backend(request: pytest.FixtureRequest) -> Backend:
    module = pytest.importorskip(BACKENDS[request.param])
    return Backend(request.param, module.CTGANGenerator, module.TVAEGenerator)
