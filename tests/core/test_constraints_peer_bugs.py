"""Constraints against bugs filed on a peer library's constraints (SDV).

Each test names the peer issue it was drawn from and describes the input in
its own words; the data is made up here.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from genesis import SyntheticGenerator
from genesis.constraints import FixedCombinations, Inequality, Range
from genesis.metadata import TableMetadata


def fitted(frame: pd.DataFrame, rules: list, **fit_args) -> SyntheticGenerator:
    generator = SyntheticGenerator(seed=0, constraints=rules)
    return generator.fit(frame, progress=False, **fit_args)


def decimals_at_most(values: pd.Series, decimals: int) -> bool:
    present = values.dropna().to_numpy(dtype=float)
    return bool(np.allclose(present, np.round(present, decimals), rtol=0, atol=1e-9))


def test_datetime_inequality_with_missing_values_on_either_side() -> None:
    # SDV issue 1121: two datetime columns under an inequality, each with
    # missing values (some rows missing both), crashed before sampling.
    rng = np.random.default_rng(0)
    low = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 900, 300), "D")
    high = low + pd.to_timedelta(rng.integers(1, 400, 300), "D")
    frame = pd.DataFrame({"opened": low, "closed": high})
    frame.loc[::5, "opened"] = pd.NaT
    frame.loc[::3, "closed"] = pd.NaT

    synthetic = fitted(frame, [Inequality("opened", "closed")]).generate(1_000)

    both = synthetic.notna().all(axis=1)
    assert (synthetic["opened"][both] <= synthetic["closed"][both]).all()
    assert 0.1 < synthetic["opened"].isna().mean() < 0.3
    assert 0.2 < synthetic["closed"].isna().mean() < 0.45
    assert synthetic.isna().all(axis=1).any()


def test_text_dates_in_a_declared_layout_are_compared_as_dates() -> None:
    # SDV issues 1692 and 2216: dates written like "21 Sep, 15" in a declared
    # layout were judged to break an inequality or a range they kept;
    # SDV issue 2495: the generated column lost the layout.
    rng = np.random.default_rng(1)
    start = pd.Timestamp("2012-01-01") + pd.to_timedelta(
        rng.integers(0, 1_500, 200), "D"
    )
    end = start + pd.to_timedelta(rng.integers(0, 90, 200), "D")
    frame = pd.DataFrame(
        {"start": start.strftime("%d %b, %y"), "end": end.strftime("%d %b, %y")}
    )
    metadata = TableMetadata.infer(frame)
    for column in ("start", "end"):
        metadata.update_column(column, "datetime", datetime_format="%d %b, %y")
    rules = [Inequality("start", "end"), Range("end", low="2012-01-01")]

    synthetic = fitted(frame, rules, metadata=metadata).generate(500)

    starts = pd.to_datetime(synthetic["start"], format="%d %b, %y")
    ends = pd.to_datetime(synthetic["end"], format="%d %b, %y")
    assert (starts <= ends).all()
    assert (ends >= pd.Timestamp("2012-01-01")).all()
    assert synthetic["end"].str.fullmatch(r"\d\d [A-Z][a-z]{2}, \d\d").all()


def test_timestamps_and_dates_are_compared_as_instants() -> None:
    # SDV issue 2275: a datetime column compared with a column of dates.
    rng = np.random.default_rng(2)
    submitted = pd.Timestamp("2021-01-01 09:30") + pd.to_timedelta(
        rng.integers(0, 300, 200), "D"
    )
    due = (submitted + pd.to_timedelta(rng.integers(1, 20, 200), "D")).date
    frame = pd.DataFrame({"submitted": submitted, "due": pd.Series(due, dtype=object)})

    synthetic = fitted(frame, [Inequality("submitted", "due")]).generate(500)

    assert all(type(value) is dt.date for value in synthetic["due"])
    assert (synthetic["submitted"] <= pd.to_datetime(synthetic["due"])).all()


def test_conditions_on_both_columns_of_an_inequality() -> None:
    # SDV issue 866: conditioning on both columns of an inequality crashed.
    # Each value twice, so no column reads as an identifier.
    low = np.tile(np.arange(25), 2)
    frame = pd.DataFrame({"low": low, "mid": low + 1})
    frame["high"] = frame["mid"] + 1
    rules = [Inequality("low", "mid"), Inequality("mid", "high")]
    generator = fitted(frame, rules)

    synthetic = generator.generate(20, conditions={"low": 1, "mid": 2})

    assert (synthetic["low"] == 1).all() and (synthetic["mid"] == 2).all()
    assert (synthetic["high"] >= 2).all()


@pytest.mark.parametrize("wanted", [0, 10])
def test_condition_on_a_range_bound_gives_exact_whole_numbers(wanted: int) -> None:
    # SDV issues 1737 and 806: a condition at the edge of a range on whole
    # numbers came back as 9.999..., cast down to 9, and was then rejected.
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {"score": rng.integers(0, 11, 400), "weight": rng.normal(70, 8, 400)}
    )

    generator = fitted(frame, [Range("score", low=0, high=10)])
    synthetic = generator.generate(50, conditions={"score": wanted})

    assert synthetic["score"].dtype == np.int64
    assert (synthetic["score"] == wanted).all()


def test_range_bounds_written_as_text_or_dates_on_a_datetime_column() -> None:
    # SDV issues 2217 and 632: date bounds on a datetime64 column were
    # refused, and missing values broke the range check.
    days = pd.date_range("2023-01-01", periods=200, freq="D").to_series()
    frame = pd.DataFrame({"day": days.to_numpy(), "n": np.arange(200)})
    frame.loc[::6, "day"] = pd.NaT
    rules = [Range("day", low="2023-01-01", high=dt.date(2023, 12, 31))]

    synthetic = fitted(frame, rules).generate(500)

    present = synthetic["day"].dropna()
    assert present.between("2023-01-01", "2023-12-31").all()
    assert 0.08 < synthetic["day"].isna().mean() < 0.3


def test_fixed_combinations_of_whole_numbers_with_missing_values() -> None:
    # SDV issue 2183: whole-number columns (read as floats, with NaN) under
    # FixedCombinations made sampling fail.
    rng = np.random.default_rng(4)
    quantity = rng.integers(1, 6, 300).astype(float)
    frame = pd.DataFrame({"quantity": quantity, "total": quantity * 20.0})
    frame.loc[::7, "quantity"] = np.nan
    frame.loc[::11, "total"] = np.nan

    generator = fitted(
        frame,
        [FixedCombinations(["quantity", "total"])],
        discrete_columns=["quantity", "total"],
    )
    synthetic = generator.generate(600)

    assert synthetic["quantity"].dtype == np.float64
    both = synthetic.dropna()
    assert (both["total"] == both["quantity"] * 20).all()
    assert synthetic["quantity"].isna().any()


def test_strict_inequality_survives_rounding_to_the_data_decimals() -> None:
    # SDV issue 2550: rounding to the data's format after the rule was kept
    # turned 0.119 < 0.12 into 0.12 < 0.12.
    rng = np.random.default_rng(5)
    fee = rng.uniform(0, 1, 400).round(2)
    frame = pd.DataFrame({"fee": fee, "rate": (fee + 0.01).round(2)})
    frame.loc[::4, "rate"] = (fee[::4] + rng.uniform(0.01, 2, 100)).round(2)

    generator = fitted(frame, [Inequality("fee", "rate", strict=True)])
    synthetic = generator.generate(5_000)

    assert (synthetic["fee"] < synthetic["rate"]).all()
    assert decimals_at_most(synthetic["fee"], 2)
    assert decimals_at_most(synthetic["rate"], 2)


def test_decimals_of_a_column_with_missing_values_are_kept() -> None:
    # SDV issue 2524: filling the low column's missing values before the
    # data was profiled lost its two-decimal format.
    rng = np.random.default_rng(6)
    fee = rng.uniform(0, 50, 300).round(2)
    frame = pd.DataFrame({"fee": fee, "rate": (fee + rng.uniform(1, 90, 300)).round(2)})
    frame.loc[::5, "fee"] = np.nan

    synthetic = fitted(frame, [Inequality("fee", "rate")]).generate(1_000)

    assert decimals_at_most(synthetic["fee"], 2)
    assert decimals_at_most(synthetic["rate"], 2)
    assert 0.1 < synthetic["fee"].isna().mean() < 0.3


def test_far_future_end_dates_do_not_overflow() -> None:
    # SDV issue 1221: an inequality on dates overflowed int64 when sampling
    # many rows. "No end" dates of 9999-12-31 lie past what nanoseconds hold.
    rng = np.random.default_rng(7)
    start = pd.Timestamp("2000-01-01") + pd.to_timedelta(
        rng.integers(0, 5_000, 300), "D"
    )
    end = (start + pd.to_timedelta(rng.integers(0, 900, 300), "D")).to_numpy(
        dtype="datetime64[s]"
    )
    end[::4] = np.datetime64("9999-12-31", "s")
    frame = pd.DataFrame({"start": start.to_numpy(dtype="datetime64[s]"), "end": end})

    synthetic = fitted(frame, [Inequality("start", "end")]).generate(5_000)

    assert synthetic["end"].dtype == frame["end"].dtype
    assert (synthetic["start"] <= synthetic["end"]).all()
    assert synthetic["end"].max() <= pd.Timestamp("9999-12-31")
