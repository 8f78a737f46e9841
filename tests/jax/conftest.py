"""Fixtures for the JAX backend: small prepared tables, real and made up.

The tables come from ``tests/tables.py``, which imports no backend, so that
this folder runs with jax installed and torch absent.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from genesis.data import PreparedTable
from tests.tables import SMALL_CONFIG, Shop, prepare, shop_frame

pytest.importorskip("jax")
pytest.importorskip("flax")
pytest.importorskip("optax")

from genesis_jax.ctgan import CTGANGenerator
from genesis_jax.tvae import TVAEGenerator

__all__ = [
    "SMALL",
    "SMALL_CTGAN",
    "SMALL_TVAE",
    "Shop",
    "fitted",
    "prepare",
    "shop_frame",
]

SMALL_CTGAN: dict[str, Any] = SMALL_CONFIG["ctgan"]
SMALL_TVAE: dict[str, Any] = SMALL_CONFIG["tvae"]
SMALL: dict[type, dict[str, Any]] = {
    CTGANGenerator: SMALL_CTGAN,
    TVAEGenerator: SMALL_TVAE,
}
BOTH = pytest.mark.parametrize("implementation", [CTGANGenerator, TVAEGenerator])


def fitted(implementation: type, prepared: PreparedTable, seed: int = 0, **config):
    """``implementation`` with the small config (plus ``config``), fitted on CPU."""
    generator = implementation(
        {**SMALL[implementation], **config}, seed=seed, device="cpu"
    )
    generator.fit(prepared)
    return generator


@pytest.fixture
def shop() -> Shop:
    return prepare(shop_frame(), ["channel"])


@pytest.fixture(scope="session")
def adult_sample() -> pd.DataFrame:
    """3,000 rows of the bundled Adult data set, fixed by seed."""
    from genesis.datasets import load_adult

    return load_adult().sample(3000, random_state=0).reset_index(drop=True)
