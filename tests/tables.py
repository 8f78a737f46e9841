"""Small made-up tables and configs the backend tests share.

Plain module, not a conftest, so that each backend's folder imports it
without importing the other backend.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from genesis.data import PreparedTable, TablePreparer
from genesis.metadata import TableMetadata

# Small networks: a fit takes well under a second on one CPU thread, and jax
# compiles one epoch per distinct (config, spans, shapes), which tests that
# agree on these reuse.
SMALL_CONFIG: dict[str, dict[str, Any]] = {
    "ctgan": {
        "epochs": 2,
        "batch_size": 100,
        "generator_dim": (32, 32),
        "discriminator_dim": (32, 32),
        "embedding_dim": 16,
    },
    "tvae": {
        "epochs": 2,
        "batch_size": 100,
        "compress_dims": (32, 32),
        "decompress_dims": (32, 32),
        "embedding_dim": 16,
    },
}
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


def sines(n: int, seq_len: int = 24, n_features: int = 5, seed: int = 0) -> np.ndarray:
    """The TimeGAN paper's sines: ``sin(f t + p)``, f and p uniform on (0, 0.1)."""
    rng = np.random.default_rng(seed)
    frequency = rng.uniform(0, 0.1, size=(n, 1, n_features))
    phase = rng.uniform(0, 0.1, size=(n, 1, n_features))
    steps = np.arange(seq_len)[None, :, None]
    return np.sin(frequency * steps + phase)
