"""Fixtures for the torch backend: small prepared tables, real and made up."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from genesis.data import PreparedTable, TablePreparer
from tests.tables import prepare, shop_frame

__all__ = ["prepare", "shop_frame"]

torch = pytest.importorskip("torch")

ADULT = Path(__file__).parents[2].parent / "shared" / "data" / "adult.csv"


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
