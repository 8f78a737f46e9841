"""Column-type inference and its overrides."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from genesis import ColumnType, InvalidDataError, TableMetadata


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
