"""A table too small to learn from: fit says its output repeats real rows.

A new user fitted one row of adult and got fifty copies of it, then two rows
and got 49 copies in 50, with no word: handed out as synthetic data, they
are the real records.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from genesis import SyntheticGenerator
from genesis.cli import main
from genesis.datasets import load_adult
from genesis.metadata import TableMetadata

COPIES = "repeat a real row exactly"
ADULT = load_adult().head(200)


def adult_sample() -> pd.DataFrame:
    return ADULT.copy()


def _fit_warnings(data: pd.DataFrame, **options) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        SyntheticGenerator("gaussian_copula", seed=0).fit(
            data, progress=False, **options
        )
    return [str(w.message) for w in caught if COPIES in str(w.message)]


@pytest.mark.parametrize("rows", [1, 2])
def test_one_or_two_real_rows_are_warned_of(rows: int) -> None:
    found = _fit_warnings(adult_sample().head(rows))
    assert len(found) == 1
    assert "too small to learn from" in found[0]
    assert "gives back individual records" in found[0]
    real_rows = "1 real row)" if rows == 1 else "2 real rows)"
    assert real_rows in found[0]


def test_a_table_that_teaches_is_not_warned_of() -> None:
    assert _fit_warnings(adult_sample().head(200)) == []


def test_copies_of_rows_that_occur_many_times_are_not_counted() -> None:
    # Four combinations of two categories, 25 rows each: every generated row
    # is a real one, and none of them identifies anybody.
    data = pd.DataFrame({"a": np.tile(["x", "y"], 50), "b": np.repeat(["p", "q"], 50)})
    assert _fit_warnings(data) == []


def test_identifier_columns_are_left_out_of_the_comparison() -> None:
    data = adult_sample().head(1).assign(email="someone@example.com")
    metadata = TableMetadata.infer(data)
    metadata.update_column("email", "identifier")
    assert len(_fit_warnings(data, metadata=metadata)) == 1


def test_the_probe_leaves_the_generators_stream_as_it_was() -> None:
    data = adult_sample().head(2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = SyntheticGenerator("gaussian_copula", seed=3).fit(data, progress=False)
    drawn = fitted.generate(20)
    again = fitted.generate(20, seed=3)
    # A fresh fit's stream starts where the seed does, as before the probe.
    pd.testing.assert_frame_equal(drawn, again)


def test_the_command_line_prints_it_as_a_warning(tmp_path, capsys) -> None:
    table = tmp_path / "one.csv"
    adult_sample().head(1).to_csv(table, index=False)
    assert main(["fit", str(table), "-o", str(tmp_path / "m.genesis")]) == 0
    assert "genesis: warning: 100% of the rows generated" in capsys.readouterr().err
