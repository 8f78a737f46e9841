"""evaluate() on the inputs users of other evaluation libraries report.

Each test names the report on another library (sdmetrics, SDV) whose input
it rebuilds; the claim is about what Genesis does with that input.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from genesis.errors import InvalidDataError
from genesis.evaluation import QualityReport, evaluate
from genesis.metadata import ColumnType, TableMetadata

ROWS = 200


def shapes(
    real: pd.DataFrame, synthetic: pd.DataFrame, **kwargs: object
) -> QualityReport:
    """Column shapes and pair trends only, the properties these inputs touch."""
    kwargs.setdefault("properties", ())
    return evaluate(real, synthetic, **kwargs)


def shape_of(report: QualityReport, column: str) -> pd.Series:
    return report.column_shapes.set_index("column").loc[column]


# -- categories stored as another type (SDV issue 194) -----------------------


@pytest.mark.parametrize(
    ("real_values", "synthetic_values"),
    [
        ([1, 2, 3], ["1", "2", "3"]),
        ([True, False, True], ["True", "False", "True"]),
        (["1", "2", "3"], [1, 2, 3]),
        ([1, 2, 3], [1.0, 2.0, 3.0]),
    ],
    ids=["int-as-text", "bool-as-text", "text-as-int", "int-as-float"],
)
def test_categories_stored_as_another_type_count_as_the_real_categories(
    real_values: list[object], synthetic_values: list[object]
) -> None:
    rng = np.random.default_rng(0)
    picks = rng.integers(0, 3, ROWS)
    real = pd.DataFrame(
        {
            "plan": pd.Series(real_values, dtype=object)[picks].to_numpy(),
            "spend": rng.normal(50.0, 10.0, ROWS),
        }
    )
    synthetic = real.copy()
    synthetic["plan"] = pd.Series(synthetic_values, dtype=object)[picks].to_numpy()
    metadata = TableMetadata.infer(real, discrete_columns=["plan"])

    report = shapes(real, synthetic, metadata=metadata)

    # The same values in another dtype: the same distribution, and the same
    # contingency table with the spend deciles.
    assert shape_of(report, "plan")["score"] == 1.0
    assert report.properties["column_pair_trends"] == 1.0


def test_categories_read_from_their_text_are_noted() -> None:
    real = pd.DataFrame({"rooms": [1, 2, 2, 3] * 25})
    synthetic = pd.DataFrame({"rooms": ["1", "2", "2", "3"] * 25})
    metadata = TableMetadata.infer(real, discrete_columns=["rooms"])

    note = shape_of(shapes(real, synthetic, metadata=metadata), "rooms")["note"]

    assert "100 synthetic value(s)" in note
    assert "'1' as 1" in note


@pytest.mark.parametrize(
    ("real_values", "synthetic_values"),
    [
        # 1 spells both "1" and "01": no guess is made.
        (["1", "01"], [1, 1]),
        # Text is compared as text: "01" is another value than "1".
        (["1", "2"], ["01", "02"]),
    ],
    ids=["ambiguous", "same-type"],
)
def test_values_matching_no_single_real_category_stay_apart(
    real_values: list[object], synthetic_values: list[object]
) -> None:
    real = pd.DataFrame({"code": pd.Series(real_values * 50, dtype=object)})
    synthetic = pd.DataFrame({"code": pd.Series(synthetic_values * 50, dtype=object)})
    metadata = TableMetadata.infer(real, discrete_columns=["code"])

    row = shape_of(shapes(real, synthetic, metadata=metadata), "code")

    assert row["score"] == 0.0
    assert row["note"] == ""


def test_detection_reads_categories_stored_as_text() -> None:
    rng = np.random.default_rng(1)
    real = pd.DataFrame(
        {"grade": rng.integers(1, 6, ROWS), "score": rng.normal(size=ROWS)}
    )
    synthetic = real.sample(frac=1.0, random_state=2).reset_index(drop=True)
    synthetic["grade"] = synthetic["grade"].astype(str)
    metadata = TableMetadata.infer(real, discrete_columns=["grade"])

    report = evaluate(
        real, synthetic, metadata=metadata, properties=["detection"], ml_model="linear"
    )

    # The same rows in another order: nothing for the classifier to find.
    assert report.detection["score"] == 1.0


# -- floats equal up to rounding (sdmetrics issue 652) ------------------------


def prices() -> pd.DataFrame:
    # Few distinct values, so each is a tie the KS statistic must not split.
    rng = np.random.default_rng(5)
    price = rng.choice([0.1, 0.7, 2.3, 9.99], ROWS)
    return pd.DataFrame({"price": price, "size": np.where(price > 1.0, "L", "S")})


@pytest.mark.parametrize(
    "rounded",
    [
        lambda v: np.nextafter(v, np.inf),
        lambda v: v.astype(np.float32),
    ],
    ids=["one-ulp-up", "float32"],
)
def test_floats_equal_up_to_rounding_score_as_the_same_values(rounded: object) -> None:
    real = prices()
    synthetic = real.copy()
    synthetic["price"] = rounded(real["price"].to_numpy())

    report = shapes(real, synthetic)

    assert shape_of(report, "price")["score"] == 1.0
    # The price deciles cut the same rows in both tables.
    assert report.properties["column_pair_trends"] == 1.0


def test_the_sdmetrics_example_of_rounding_scores_one() -> None:
    real = pd.DataFrame({"x": [0.2 - 0.1] * 3})
    synthetic = pd.DataFrame({"x": [0.3 - 0.2] * 3})

    assert shape_of(shapes(real, synthetic), "x")["score"] == 1.0


def test_floats_that_differ_in_their_fifteenth_digit_stay_apart() -> None:
    real = pd.DataFrame({"x": [1.0] * 10})
    synthetic = pd.DataFrame({"x": [1.00000000000001] * 10})

    assert shape_of(shapes(real, synthetic), "x")["score"] == 0.0


# -- datetimes stored as numbers (SDV issue 1477) -----------------------------


def visits(n: int = ROWS, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "visited": pd.Timestamp("2023-01-01")
            + pd.to_timedelta(rng.integers(0, 365, n), unit="D"),
            "minutes": rng.integers(5, 90, n),
        }
    )


@pytest.mark.parametrize(
    "as_numbers",
    [
        lambda t: t.dt.strftime("%Y%m%d").astype(np.int64),
        lambda t: (t - pd.Timestamp("1970-01-01")).dt.total_seconds(),
    ],
    ids=["yyyymmdd", "epoch-seconds"],
)
def test_synthetic_datetimes_stored_as_numbers_are_refused(as_numbers: object) -> None:
    real = visits()
    synthetic = real.copy()
    synthetic["visited"] = as_numbers(real["visited"])

    with pytest.raises(InvalidDataError, match=r"'visited'.*synthetic.*numbers"):
        shapes(real, synthetic)


def test_real_numbers_declared_datetime_are_refused() -> None:
    real = visits()
    real["visited"] = real["visited"].dt.strftime("%Y%m%d").astype(np.int64)
    metadata = TableMetadata.infer(real)
    metadata.update_column("visited", ColumnType.DATETIME)

    with pytest.raises(InvalidDataError, match=r"'visited'.*real.*numbers"):
        shapes(real, real.copy(), metadata=metadata)


def test_an_all_missing_synthetic_datetime_column_is_scored_not_refused() -> None:
    real = visits()
    synthetic = real.copy()
    synthetic["visited"] = np.nan

    row = shape_of(shapes(real, synthetic), "visited")

    assert row["score"] == 0.0
    assert row["missing_synthetic"] == 1.0


# -- time zones (SDV issue 1570) ---------------------------------------------


def appointments(zone: str | None) -> pd.DataFrame:
    # Hours within three days: a shift of an hour or two is a large gap.
    rng = np.random.default_rng(4)
    start = pd.Timestamp("2024-03-29 08:00", tz=zone)
    return pd.DataFrame(
        {"at": start + pd.to_timedelta(rng.integers(0, 72, ROWS), unit="h")}
    )


def test_naive_synthetic_times_read_as_the_clock_of_the_real_zone() -> None:
    real = appointments("Europe/Paris")
    synthetic = real.copy()
    synthetic["at"] = real["at"].dt.tz_localize(None)

    assert shape_of(shapes(real, synthetic), "at")["score"] == 1.0


def test_zoned_synthetic_times_read_as_their_clock_next_to_naive_real_ones() -> None:
    real = appointments(None)
    synthetic = real.copy()
    synthetic["at"] = real["at"].dt.tz_localize("America/New_York")

    assert shape_of(shapes(real, synthetic), "at")["score"] == 1.0


def test_naive_text_times_read_as_the_clock_of_the_real_zone() -> None:
    real = appointments("Asia/Tokyo")
    synthetic = real.copy()
    synthetic["at"] = real["at"].dt.strftime("%Y-%m-%d %H:%M:%S")

    assert shape_of(shapes(real, synthetic), "at")["score"] == 1.0


def test_two_zones_compare_the_same_instants() -> None:
    real = appointments("Europe/Paris")
    synthetic = real.copy()
    synthetic["at"] = real["at"].dt.tz_convert("UTC")

    assert shape_of(shapes(real, synthetic), "at")["score"] == 1.0


# -- unhashable cells (SDV issues 2323 and 2327) ------------------------------


def test_unhashable_synthetic_values_are_refused_naming_the_column() -> None:
    real = pd.DataFrame({"tags": ["a", "b"] * 50, "n": np.arange(100.0)})
    synthetic = real.copy()
    synthetic["tags"] = [["a"], ["b"]] * 50

    with pytest.raises(InvalidDataError, match=r"'tags'.*synthetic.*list"):
        shapes(real, synthetic)


def test_unhashable_real_values_under_given_metadata_are_refused() -> None:
    real = pd.DataFrame({"tags": ["a", "b"] * 50, "n": np.arange(100.0)})
    metadata = TableMetadata.infer(real)
    listed = real.copy()
    listed["tags"] = [{"a": 1}, {"b": 2}] * 50

    with pytest.raises(InvalidDataError, match=r"'tags'.*real.*dict"):
        shapes(listed, real, metadata=metadata)


def test_unhashable_holdout_values_are_refused_naming_the_holdout() -> None:
    real = pd.DataFrame({"tags": ["a", "b"] * 50, "n": np.arange(100.0)})
    holdout = real.copy()
    holdout["tags"] = [["a"], ["b"]] * 50

    with pytest.raises(InvalidDataError, match=r"'tags'.*holdout.*list"):
        evaluate(real, real.copy(), holdout=holdout, properties=["privacy"])
