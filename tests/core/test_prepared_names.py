"""A user column named like a prepared flag is named as the user wrote it.

Beside a 'price' with missing values, the data plane prepares the user's own
'price.missing' under the key 'price.missing#2' (the flag of price's missing
rows takes 'price.missing'). That key is ours: conditions, errors, warnings
and logs use the user's name.
"""

from __future__ import annotations

import datetime as dt
import logging

import numpy as np
import pandas as pd
import pytest

from genesis import SyntheticGenerator
from genesis.data import TableTransformer
from genesis.errors import InvalidDataError
from tests.tables import prepare


def price_and_flag(n: int = 300) -> pd.DataFrame:
    """A price missing in 30% of rows and the user's own flag named like the
    prepared column that records those missing rows."""
    rng = np.random.default_rng(0)
    price = np.round(rng.lognormal(3.0, 0.5, n), 2)
    price[rng.random(n) < 0.3] = np.nan
    return pd.DataFrame({"price": price, "price.missing": rng.random(n) < 0.7})


def price_and_number(n: int = 300) -> pd.DataFrame:
    """As :func:`price_and_flag`, with the user's column a number."""
    frame = price_and_flag(n)
    rng = np.random.default_rng(1)
    frame["price.missing"] = np.round(rng.uniform(0.0, 100.0, n), 1)
    return frame


@pytest.fixture(scope="module")
def flag_generator() -> SyntheticGenerator:
    return SyntheticGenerator("gaussian_copula", seed=0).fit(
        price_and_flag(), progress=False
    )


def test_the_user_column_is_prepared_under_another_key() -> None:
    # The premise of this file: if the keys change, the tests below must too.
    _, prepared = prepare(price_and_flag())
    assert prepared.keys == ["price", "price.missing", "price.missing#2"]


def test_a_condition_by_the_user_name_holds_on_that_column(
    flag_generator: SyntheticGenerator,
) -> None:
    rows = flag_generator.generate(200, {"price.missing": False})
    assert not rows["price.missing"].any()
    # The user's flag is not price's missing flag: price still goes missing.
    assert 0.05 < rows["price"].isna().mean() < 0.6


def test_a_condition_on_price_missing_rows_leaves_the_user_flag_free(
    flag_generator: SyntheticGenerator,
) -> None:
    rows = flag_generator.generate(200, {"price": None})
    assert rows["price"].isna().all()
    assert 0.4 < rows["price.missing"].mean() < 0.95


def test_a_range_condition_by_the_user_name_holds_on_a_number_column() -> None:
    generator = SyntheticGenerator("gaussian_copula", seed=0).fit(
        price_and_number(), progress=False
    )
    rows = generator.generate(100, {"price.missing": (20.0, 30.0)})
    assert rows["price.missing"].between(20.0, 30.0).all()


@pytest.mark.parametrize("wanted", ["maybe", (1, 2), None])
def test_a_bad_condition_value_names_the_user_column(
    flag_generator: SyntheticGenerator, wanted: object
) -> None:
    with pytest.raises(InvalidDataError) as caught:
        flag_generator.generate(10, {"price.missing": wanted})
    assert "'price.missing'" in str(caught.value)
    assert "#2" not in str(caught.value)


def test_the_prepared_key_is_not_a_column_the_user_can_name(
    flag_generator: SyntheticGenerator,
) -> None:
    with pytest.raises(InvalidDataError, match="not a column") as caught:
        flag_generator.generate(10, {"price.missing#2": True})
    assert "['price', 'price.missing']" in str(caught.value)


def test_prepared_columns_are_labelled_by_the_user_column() -> None:
    rng = np.random.default_rng(1)
    times = [
        (dt.datetime(2024, 3, 1, 9) + dt.timedelta(minutes=int(k))).isoformat()
        + ["+01:00", "-05:00", "Z"][i % 3]
        for i, k in enumerate(rng.integers(0, 50_000, 90))
    ]
    frame = pd.DataFrame({"t": times, "t.offset": rng.integers(0, 1000, 90)})
    _, prepared = prepare(frame)
    labels = {column.key: column.label for column in prepared.columns}
    assert labels == {
        "t": "'t'",
        "t.offset": "'t' (UTC offsets)",
        "t.offset#2": "'t.offset'",
    }
    _, prepared = prepare(price_and_flag())
    assert prepared["price.missing"].label == "'price' (missing-value flag)"


def _many_codes(n: int = 400) -> pd.DataFrame:
    """A user column of 40 codes named like the flag of a column with missing
    values."""
    rng = np.random.default_rng(2)
    code = rng.normal(size=n)
    code[rng.random(n) < 0.2] = np.nan
    names = np.array([f"c{i:02d}" for i in range(40)])
    return pd.DataFrame({"code": code, "code.missing": rng.choice(names, n)})


def test_the_pooled_categories_warning_names_the_user_column(
    caplog: pytest.LogCaptureFixture,
) -> None:
    _, prepared = prepare(_many_codes())
    with caplog.at_level(logging.WARNING, logger="genesis.data._encoding"):
        TableTransformer(max_categories=10).fit(prepared, np.random.default_rng(0))
    (record,) = [r for r in caplog.records if "categories" in r.getMessage()]
    assert record.getMessage().startswith("Column 'code.missing' has 40 categories")


def test_a_transformer_read_back_still_labels_columns_by_the_user_name() -> None:
    _, prepared = prepare(_many_codes())
    transformer = TableTransformer().fit(prepared, np.random.default_rng(0))
    arrays, state = transformer.get_state()
    restored = TableTransformer.from_state(arrays, state)
    assert restored.column_label("code.missing#2") == "'code.missing'"
    assert restored.column_label("code.missing") == "'code' (missing-value flag)"
    # A state written before labels were kept shows keys as they are.
    for column in state["columns"]:
        del column["label"]
    older = TableTransformer.from_state(arrays, state)
    assert older.column_label("code.missing#2") == "'code.missing#2'"


def test_modes_for_the_fit_cost_log_are_keyed_by_the_user_column() -> None:
    _, prepared = prepare(price_and_number())
    transformer = TableTransformer().fit(prepared, np.random.default_rng(0))
    assert list(transformer.modes_kept) == ["price", "price.missing#2"]
    assert list(transformer.modes_by_label) == ["'price'", "'price.missing'"]
