"""Fixtures for the JAX backend: small prepared tables, real and made up.

The helpers are written here rather than imported from ``tests/torch`` so
that this folder runs with jax installed and torch absent.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import pytest

from genesis.data import PreparedTable, TablePreparer
from genesis.metadata import TableMetadata

pytest.importorskip("jax")
pytest.importorskip("flax")
pytest.importorskip("optax")

from genesis_jax.ctgan import CTGANGenerator
from genesis_jax.tvae import TVAEGenerator

# Small networks shared by most tests: a fit compiles its epoch once per
# process for each distinct (config, spans, shapes), so tests that agree on
# these reuse one compiled epoch.
SMALL_CTGAN: dict[str, Any] = {
    "epochs": 2,
    "batch_size": 100,
    "generator_dim": (32, 32),
    "discriminator_dim": (32, 32),
    "embedding_dim": 16,
}
SMALL_TVAE: dict[str, Any] = {
    "epochs": 2,
    "batch_size": 100,
    "compress_dims": (32, 32),
    "decompress_dims": (32, 32),
    "embedding_dim": 16,
}
SMALL: dict[type, dict[str, Any]] = {
    CTGANGenerator: SMALL_CTGAN,
    TVAEGenerator: SMALL_TVAE,
}
BOTH = pytest.mark.parametrize("implementation", [CTGANGenerator, TVAEGenerator])
SHOP_ROWS = 400

Shop = tuple[TablePreparer, PreparedTable]


def prepare(
    frame: pd.DataFrame, discrete_columns: Sequence[str] = ()
) -> tuple[TablePreparer, PreparedTable]:
    """Fit a preparer on ``frame`` and return it with the prepared table."""
    preparer = TablePreparer(TableMetadata.infer(frame, discrete_columns))
    return preparer, preparer.fit_transform(frame, np.random.default_rng(0))


def shop_frame(n_rows: int = SHOP_ROWS, seed: int = 3) -> pd.DataFrame:
    """A made-up table where the channel decides the amount's range."""
    rng = np.random.default_rng(seed)
    channel = rng.choice(["web", "store", "phone"], size=n_rows, p=[0.5, 0.3, 0.2])
    base = np.select([channel == "web", channel == "store"], [20.0, 200.0], 1000.0)
    return pd.DataFrame(
        {
            "channel": channel,
            "amount": np.round(base * rng.lognormal(0.0, 0.2, n_rows), 2),
            "items": rng.integers(1, 6, n_rows),
            "member": rng.random(n_rows) < 0.4,
        }
    )


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
