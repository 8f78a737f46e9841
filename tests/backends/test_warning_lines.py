"""Warnings name the line of the user's code that led to them.

A fixed ``stacklevel`` is right for one call path only: the warning that a
discrete column takes over the encoded width named ``ctgan.py`` when CTGAN
was fitted through ``SyntheticGenerator`` and ``_generator.py`` for TVAE,
lines a user cannot act on. Every warning now walks to the first frame
outside Genesis's packages (``genesis._callers``).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from genesis import SyntheticGenerator

pytest.importorskip("torch")


def wide_table() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "shop": rng.choice([f"shop {i}" for i in range(80)], 400),
            "amount": rng.normal(50.0, 10.0, 400),
        }
    )


@pytest.mark.parametrize("method", ["ctgan", "tvae"])
def test_the_wide_column_warning_names_the_callers_line(method: str) -> None:
    generator = SyntheticGenerator(
        method, backend="torch", seed=0, config={"epochs": 1, "batch_size": 100}
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        generator.fit(wide_table(), progress=False)
    wide = [
        w for w in caught if "takes" in str(w.message) and "'shop'" in str(w.message)
    ]
    assert wide, [str(w.message) for w in caught]
    assert {w.filename for w in wide} == {__file__}
