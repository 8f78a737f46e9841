"""Fixtures for the torch backend: small prepared tables, real and made up."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from genesis.data import PreparedTable, TablePreparer
from genesis.metadata import TableMetadata

torch = pytest.importorskip("torch")

ADULT = Path(__file__).parents[2].parent / "shared" / "data" / "adult.csv"


def prepare(
    frame: pd.DataFrame, discrete_columns: Sequence[str] = ()
) -> tuple[TablePreparer, PreparedTable]:
    """Fit a preparer on ``frame`` and return it with the prepared table."""
    preparer = TablePreparer(TableMetadata.infer(frame, discrete_columns))
    return preparer, preparer.fit_transform(frame, np.random.default_rng(0))


def shop_frame(n_rows: int = 400, seed: int = 3) -> pd.DataFrame:
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


@pytest.fixture(autouse=True)
def one_cpu_thread():
    """Run each test on one CPU thread, then restore torch's setting.

    The networks here are tiny, and on a busy machine threads that wait for
    each other make a step many times slower than one thread does.
    """
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture
def shop() -> tuple[TablePreparer, PreparedTable]:
    return prepare(shop_frame(), ["channel"])


@pytest.fixture
def adult() -> pd.DataFrame:
    if not ADULT.is_file():
        pytest.skip(f"the Adult data set is not at {ADULT}")
    return pd.read_csv(ADULT)
