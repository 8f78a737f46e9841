"""Column-type inference and its overrides."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from genesis import ColumnType, InvalidDataError, SyntheticGenerator, TableMetadata
from genesis.metadata import decimals_of
from tests.conftest import SHARED_DATA


def test_inference_of_every_column_type() -> None:
    n = 40
    frame = pd.DataFrame(
        {
            "amount": np.linspace(0, 1, n),
            "count": np.arange(n) % 7,
            "flag": np.arange(n) % 2 == 0,
            "city": ["a", "b"] * (n // 2),
            "when": pd.date_range("2020-01-01", periods=n, tz="UTC"),
            "customer_id": np.arange(100, 100 + n),
            "ticket": [f"T{i:05d}" for i in range(n)],
            "grade": pd.Categorical(["x", "y"] * (n // 2)),
        }
    )
    types = {c.name: c.column_type for c in TableMetadata.infer(frame)}
    assert types == {
        "amount": ColumnType.CONTINUOUS,
        "count": ColumnType.INTEGER,
        "flag": ColumnType.BOOLEAN,
        "city": ColumnType.CATEGORICAL,
        "when": ColumnType.DATETIME,
        "customer_id": ColumnType.IDENTIFIER,
        "ticket": ColumnType.IDENTIFIER,
        "grade": ColumnType.CATEGORICAL,
    }


def test_discrete_columns_override_dtype() -> None:
    frame = pd.DataFrame({"level": [1, 3, 5, 7] * 5})
    assert TableMetadata.infer(frame, ["level"])["level"].column_type == "categorical"


def test_unique_free_text_is_not_an_identifier() -> None:
    frame = pd.DataFrame({"comment": [f"note number {w}" for w in "abcdefghijklmno"]})
    assert TableMetadata.infer(frame)["comment"].column_type == ColumnType.CATEGORICAL


def test_metadata_round_trips_through_json_with_int_labels() -> None:
    import json

    frame = pd.DataFrame({1: [1.5, 2.5], 2: pd.Categorical(["a", "b"])})
    metadata = TableMetadata.infer(frame)
    again = TableMetadata.from_dict(json.loads(json.dumps(metadata.to_dict())))
    assert again == metadata and again.columns == [1, 2]


def test_bad_override_is_refused() -> None:
    metadata = TableMetadata.infer(pd.DataFrame({"a": [1.0, 2.0]}))
    with pytest.raises(InvalidDataError, match=r"'a'.*'sdtype'.*not a column type"):
        metadata.update_column("a", "sdtype")
    with pytest.raises(InvalidDataError, match="no column 'b'"):
        metadata.update_column("b", "categorical")


def test_timedelta_is_refused_naming_the_column() -> None:
    frame = pd.DataFrame({"wait": pd.to_timedelta([1, 2], unit="s")})
    with pytest.raises(InvalidDataError, match=r"'wait'.*timedelta"):
        TableMetadata.infer(frame)


def test_a_column_of_lists_is_refused_naming_the_column() -> None:
    frame = pd.DataFrame({"tags": pd.Series([["a", "b"], ["c"]] * 5, dtype=object)})
    with pytest.raises(InvalidDataError, match="Column 'tags' holds list values"):
        TableMetadata.infer(frame)


def test_a_number_too_large_to_square_is_refused_naming_the_column() -> None:
    frame = pd.DataFrame({"h": [1.0, 2.0, -1e200]})
    with pytest.raises(InvalidDataError, match=r"Column 'h' holds .*1\.0e\+200"):
        TableMetadata.infer(frame)


def test_discrete_columns_none_infers_as_if_omitted() -> None:
    frame = pd.DataFrame({"level": [1, 3, 5, 7] * 5})
    assert TableMetadata.infer(frame, None) == TableMetadata.infer(frame)


# -- decimals -------------------------------------------------------------------


def _decimals_written(values: pd.Series) -> int:
    text = values.dropna().map(repr)
    return int(text.str.partition(".")[2].str.len().max())


def test_decimals_reach_past_six_places() -> None:
    # Most values have 2 decimals, a few 10: the column has 10, not "any".
    rng = np.random.default_rng(3)
    cents = np.round(rng.uniform(0, 40_000, 300), 2)
    cents[:20] = np.round(rng.uniform(0, 40_000, 20), 10)
    frame = pd.DataFrame({"paid": cents, "x": rng.normal(size=300)})

    assert TableMetadata.infer(frame)["paid"].decimals == 10
    out = (
        SyntheticGenerator(method="gaussian_copula", seed=2)
        .fit(frame)
        .generate(300)["paid"]
    )
    assert _decimals_written(out) <= 10


def test_decimals_keep_float_noise_and_full_precision() -> None:
    rng = np.random.default_rng(4)
    noisy = pd.Series([0.1 + 0.2, 0.5, 1.25, 7.0])
    full = pd.Series(rng.normal(size=200))

    assert decimals_of(noisy) == 2
    assert decimals_of(pd.Series([0.1 + 0.2] * 4)) == 1
    assert decimals_of(full) is None
    assert decimals_of(full.astype(np.float32)) is None
    assert decimals_of(pd.Series([3e15, 4e15])) == 0


def test_loans_paid_total_has_no_more_decimals_than_real() -> None:
    path = SHARED_DATA / "loans.csv"
    if not path.is_file():
        pytest.skip(f"real datasets not found at {SHARED_DATA}")
    real = pd.read_csv(path, usecols=["paid_total", "paid_principal", "balance"])
    real = real.sample(3_000, random_state=0)
    most = _decimals_written(real["paid_total"])

    assert TableMetadata.infer(real)["paid_total"].decimals == most
    out = (
        SyntheticGenerator(method="gaussian_copula", seed=1)
        .fit(real)
        .generate(2_000)["paid_total"]
    )
    assert _decimals_written(out) <= most
