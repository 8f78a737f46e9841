"""Tests every neural backend must pass alike: one module, run once per backend.

A backend that is not installed is skipped, so the same files serve the
session with every backend and the jax-only one.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from genesis.data import PreparedTable
from tests.tables import SMALL_CONFIG, Shop, prepare, shop_frame

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


@pytest.fixture(autouse=True)
def one_cpu_thread(request: pytest.FixtureRequest) -> Iterator[None]:
    """torch on one CPU thread per test, as in ``tests/torch``; then restored."""
    if (
        "backend" not in request.fixturenames
        or request.node.callspec.params.get("backend") != "torch"
    ):
        yield
        return
    # Runs before the backend fixture: skip here too when torch is absent.
    torch = pytest.importorskip("torch")
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture
def shop() -> Shop:
    return prepare(shop_frame(), ["channel"])


def fitted(
    backend: Backend, method: str, prepared: PreparedTable, seed: int = 0, **config: Any
) -> Any:
    """``method`` on ``backend`` with the small config (plus ``config``), fitted."""
    implementation = backend.implementation(method)
    generator = implementation(
        {**SMALL_CONFIG[method], **config}, seed=seed, device="cpu"
    )
    generator.fit(prepared)
    return generator
