"""Every column argument of TimeGAN's fit on a long frame, alone and together.

A misspelt or malformed entity_column, time_column, context_columns or
discrete_columns gets the same InvalidDataError naming that argument,
whatever else was passed: the context columns used to read the entity
column before its name was checked (a bare KeyError). Nothing trains;
data is checked first.
"""

from __future__ import annotations

import pandas as pd
import pytest

from genesis._registry import get_registry
from genesis.errors import InvalidDataError
from genesis.generators.timeseries import TimeGANGenerator

pytestmark = pytest.mark.skipif(
    not get_registry().generators.backends_for("timegan"),
    reason="no installed plugin provides TimeGAN",
)
COLUMNS = "['shop', 'day', 'segment', 'code', 'sales', 'visits']"


def shops() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "shop": ["a"] * 12 + ["b"] * 12,
            "day": list(range(12)) * 2,
            "segment": ["x"] * 12 + ["y"] * 12,
            "code": [1] * 12 + [2] * 12,
            "sales": range(24),
            "visits": range(24),
        }
    )


GOOD = {
    "entity_column": "shop",
    "time_column": "day",
    "context_columns": ["segment", "code"],
    "discrete_columns": ["code"],
}


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        # The new user's walk, with and without the other arguments.
        (
            {"entity_column": "store"},
            f"entity_column='store' is not a column of the data; its columns are "
            f"{COLUMNS}",
        ),
        (
            {"entity_column": "store", "discrete_columns": None},
            "entity_column='store' is not a column",
        ),
        (
            {"entity_column": "store", "time_column": "dy"},
            "entity_column='store' is not a column",
        ),
        (
            {"entity_column": "store", "context_columns": ["segmnt"]},
            "entity_column='store' is not a column",
        ),
        (
            {"time_column": "dy"},
            "time_column='dy' is not a column of the data",
        ),
        (
            {"entity_column": ["shop"]},
            "entity_column takes one column name; got ['shop']",
        ),
        (
            {"time_column": ["day"], "entity_column": "store"},
            "entity_column='store' is not a column",
        ),
        (
            {"context_columns": ["segment", "cod"]},
            "context_columns lists ['cod'], which the data does not have",
        ),
        (
            {"context_columns": [["segment"]], "discrete_columns": None},
            "context_columns lists ['segment'], which is not a column name",
        ),
        (
            {"discrete_columns": [["code"]]},
            "discrete_columns lists ['code'], which is not a column name",
        ),
        (
            {"context_columns": ["segment", "shop"], "discrete_columns": None},
            "'shop' is the entity_column and cannot also be a context column",
        ),
        (
            {"context_columns": ["day", "segment"], "discrete_columns": None},
            "'day' is the time_column and cannot also be a context column",
        ),
    ],
)
def test_every_bad_column_argument_is_named_whatever_comes_with_it(
    changes: dict, words: str
) -> None:
    generator = TimeGANGenerator(seq_len=10, n_features=2, iterations=1)
    with pytest.raises(InvalidDataError) as caught:
        generator.fit(shops(), **{**GOOD, **changes}, progress=False)
    assert words in str(caught.value)


def test_repeated_frame_columns_are_named_before_the_context_is_read() -> None:
    frame = shops()
    frame.columns = ["shop", "day", "segment", "segment", "sales", "visits"]
    generator = TimeGANGenerator(seq_len=10, n_features=2, iterations=1)
    with pytest.raises(InvalidDataError, match="Column 'segment' appears more"):
        generator.fit(
            frame,
            entity_column="shop",
            time_column="day",
            context_columns=["segment"],
            progress=False,
        )
