"""Dates and times that are not datetime64 columns.

Python date and time objects in object columns (what database drivers and
pandas.read_sql give), text with UTC offsets and fractions of a second, and
whole numbers or text in a declared layout are all modelled as times and
written back in the user's own form.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import re
import warnings
import zoneinfo
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from genesis import SyntheticGenerator
from genesis.errors import InvalidDataError
from genesis.metadata import ColumnType, TableMetadata

needs_torch = pytest.mark.skipif(
    importlib.util.find_spec("genesis_torch") is None,
    reason="genesis-torch is not installed",
)

ROWS = 150
PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def _steps(seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 2_000, ROWS)


def _frame(dates: list, seed: int = 0) -> pd.DataFrame:
    noise = np.random.default_rng(seed + 1).normal(size=ROWS)
    return pd.DataFrame({"d": pd.Series(dates, dtype=object), "x": noise})


def _fit(frame: pd.DataFrame, metadata: TableMetadata | None = None, **kw):
    generator = SyntheticGenerator(method="gaussian_copula", seed=5, **kw)
    return generator.fit(frame, metadata=metadata)


def _new_share(real: pd.Series, synthetic: pd.Series) -> float:
    seen = set(real.dropna().tolist())
    present = synthetic.dropna().tolist()
    return sum(value not in seen for value in present) / len(present)


# -- Python objects -----------------------------------------------------------


OBJECT_CASES = {
    "date": lambda k: dt.date(2019, 1, 1) + dt.timedelta(days=int(k)),
    "naive datetime": lambda k: dt.datetime(2019, 1, 1) + dt.timedelta(hours=int(k)),
    "utc datetime": lambda k: (
        dt.datetime(2019, 1, 1, tzinfo=dt.UTC) + dt.timedelta(hours=int(k))
    ),
    "paris datetime": lambda k: (
        dt.datetime(2019, 1, 1, tzinfo=PARIS) + dt.timedelta(hours=int(k))
    ),
    "timestamp": lambda k: pd.Timestamp("2019-01-01") + pd.Timedelta(hours=int(k)),
}


@pytest.mark.parametrize("case", list(OBJECT_CASES))
def test_object_dates_are_new_dates_of_the_same_python_type(case: str) -> None:
    make = OBJECT_CASES[case]
    real = _frame([make(k) for k in _steps()])

    synthetic = _fit(real).generate(300)

    values = synthetic["d"].tolist()
    assert synthetic["d"].dtype == object
    assert {type(v) for v in values} == {type(real["d"].iloc[0])}
    assert {getattr(v, "tzinfo", None) for v in values} == {
        getattr(real["d"].iloc[0], "tzinfo", None)
    }
    assert all(real["d"].min() <= v <= real["d"].max() for v in values)
    # As categories every value was a copy of a real one (share 0); as times
    # most are new. Dates have 2,000 possible days for 150 real ones.
    assert _new_share(real["d"], synthetic["d"]) > 0.5


def test_object_dates_are_inferred_as_datetime_columns() -> None:
    real = _frame([OBJECT_CASES["date"](k) for k in _steps()])

    assert TableMetadata.infer(real)["d"].column_type == ColumnType.DATETIME


@pytest.mark.parametrize("marker", [None, pd.NaT], ids=["None", "NaT"])
def test_object_dates_keep_their_missing_share_and_marker(marker) -> None:
    dates = [
        marker if k % 4 == 0 else dt.date(2019, 1, 1) + dt.timedelta(days=int(k))
        for k in _steps()
    ]
    real = _frame(dates)

    synthetic = _fit(real).generate(2_000)

    missing = synthetic["d"].isna()
    # 2,000 rows: the share's standard error is about 0.01.
    assert abs(missing.mean() - real["d"].isna().mean()) < 0.04
    assert {type(v) for v in synthetic["d"][missing]} == {type(marker)}
    assert {type(v) for v in synthetic["d"][~missing]} == {dt.date}
    assert _new_share(real["d"], synthetic["d"]) > 0.5


def test_object_column_of_mixed_date_types_stays_categorical() -> None:
    values = [dt.date(2020, 1, 1) + dt.timedelta(days=k) for k in range(ROWS)]
    values[3] = dt.datetime(2020, 1, 1, 12)

    metadata = TableMetadata.infer(_frame(values))

    assert metadata["d"].column_type == ColumnType.CATEGORICAL


# -- text with offsets and fractions --------------------------------------------

TEXT_CASES = {
    "colon offset": ("%Y-%m-%dT%H:%M:%S", "+01:00", r"T\d\d:\d\d:\d\d\+01:00"),
    "Z": ("%Y-%m-%dT%H:%M:%S", "Z", r"T\d\d:\d\d:\d\dZ"),
    "compact offset": ("%Y-%m-%d %H:%M:%S", "-0530", r" \d\d:\d\d:\d\d-0530"),
    "milliseconds Z": ("%Y-%m-%dT%H:%M:%S.{ms}", "Z", r"T\d\d:\d\d:\d\d\.\d{3}Z"),
    "microseconds": ("%Y-%m-%d %H:%M:%S.%f", "", r" \d\d:\d\d:\d\d\.\d{6}"),
}


def _text_times(layout: str, suffix: str) -> list[str]:
    start = dt.datetime(2024, 3, 1, 10)
    texts = []
    for k in _steps():
        moment = start + dt.timedelta(seconds=int(k) * 97, milliseconds=int(k) * 7)
        text = moment.strftime(layout.replace("{ms}", "")).rstrip(".")
        if "{ms}" in layout:
            text = f"{text}.{moment.microsecond // 1000:03d}"
        texts.append(text + suffix)
    return texts


@pytest.mark.parametrize("case", list(TEXT_CASES))
def test_text_times_are_written_in_the_columns_own_layout(case: str) -> None:
    layout, suffix, pattern = TEXT_CASES[case]
    real = _frame(_text_times(layout, suffix))

    synthetic = _fit(real).generate(300)

    assert TableMetadata.infer(real)["d"].column_type == ColumnType.DATETIME
    full = re.compile(r"^\d{4}-\d\d-\d\d" + pattern + "$")
    assert all(full.match(text) for text in synthetic["d"])
    assert _new_share(real["d"], synthetic["d"]) > 0.5


def test_text_times_with_mixed_offsets_keep_each_offset() -> None:
    offsets = ["+01:00", "-05:00", "Z"]
    texts = [
        (dt.datetime(2024, 3, 1, 9) + dt.timedelta(minutes=int(k))).isoformat()
        + offsets[i % 3]
        for i, k in enumerate(_steps())
    ]
    real = _frame(texts)

    synthetic = _fit(real).generate(600)

    assert TableMetadata.infer(real)["d"].column_type == ColumnType.DATETIME
    assert _new_share(real["d"], synthetic["d"]) > 0.5
    ends = synthetic["d"].str.extract(r"(Z|[+-]\d\d:\d\d)$", expand=False)
    assert ends.notna().all()
    assert set(ends) == set(offsets)
    # Each offset is a third of the real rows; 600 rows give each about
    # 0.02 of standard error.
    assert (ends.value_counts(normalize=True) - 1 / 3).abs().max() < 0.08
    instants = pd.to_datetime(synthetic["d"], utc=True)
    real_instants = pd.to_datetime(real["d"], utc=True)
    assert instants.between(real_instants.min(), real_instants.max()).all()


# -- whole numbers and text in a declared layout ----------------------------------


def _day_numbers(layout: str, seed: int = 0) -> list[int]:
    start = dt.date(2019, 1, 1)
    return [
        int((start + dt.timedelta(days=int(k))).strftime(layout)) for k in _steps(seed)
    ]


def test_whole_numbers_are_not_inferred_as_dates() -> None:
    real = pd.DataFrame({"d": _day_numbers("%Y%m%d")})

    assert TableMetadata.infer(real)["d"].column_type == ColumnType.INTEGER


@pytest.mark.parametrize("layout", ["%Y%m%d", "%d%m%Y", "%m%d%Y"])
def test_declared_whole_number_dates_are_valid_dates_as_numbers(layout: str) -> None:
    real = pd.DataFrame({"d": _day_numbers(layout), "x": np.arange(ROWS)})
    metadata = TableMetadata.infer(real)
    metadata.update_column("d", "datetime", datetime_format=layout)

    synthetic = _fit(real, metadata).generate(500)

    assert synthetic["d"].dtype == np.int64
    # "%d%m%Y" and "%m%d%Y" lose a leading zero as numbers (SDV issue 1860).
    days = pd.to_datetime(synthetic["d"].astype(str).str.zfill(8), format=layout)
    real_days = pd.to_datetime(real["d"].astype(str).str.zfill(8), format=layout)
    assert days.between(real_days.min(), real_days.max()).all()
    # As integers, 20190132 and the like were generated between real days.
    assert _new_share(real["d"], synthetic["d"]) > 0.3


def test_evaluation_reads_whole_number_dates_in_their_declared_layout() -> None:
    from genesis.evaluation import evaluate

    real = pd.DataFrame({"d": _day_numbers("%d%m%Y"), "x": np.arange(ROWS)})
    metadata = TableMetadata.infer(real)
    metadata.update_column("d", "datetime", datetime_format="%d%m%Y")

    # Refused before as numbers that "could be seconds, milliseconds or dates".
    assert evaluate(real, real, metadata=metadata).score == pytest.approx(1.0)
    shifted = real.assign(d=_day_numbers("%d%m%Y", seed=9))
    assert evaluate(real, shifted, metadata=metadata).score < 1.0


def test_declared_whole_number_dates_without_a_layout_read_as_year_month_day() -> None:
    # SDV issue 1477: 20230623 read as seconds after 1970.
    real = pd.DataFrame({"d": _day_numbers("%Y%m%d")})
    metadata = TableMetadata.infer(real)
    metadata.update_column("d", "datetime")

    synthetic = _fit(real, metadata).generate(300)

    days = pd.to_datetime(synthetic["d"].astype(str), format="%Y%m%d")
    assert days.between(pd.Timestamp("2019-01-01"), pd.Timestamp("2024-06-23")).all()


@pytest.mark.parametrize("dtype", ["Int64", "float64"])
def test_declared_dates_in_numbers_with_gaps_keep_missing_share(dtype: str) -> None:
    numbers = _day_numbers("%Y%m%d")
    gappy = [None if i % 5 == 0 else v for i, v in enumerate(numbers)]
    real = pd.DataFrame({"d": pd.array(gappy, dtype=dtype)})
    metadata = TableMetadata.infer(real)
    metadata.update_column("d", "datetime", datetime_format="%Y%m%d")

    synthetic = _fit(real, metadata).generate(2_000)

    assert synthetic["d"].dtype == dtype
    # 2,000 rows: the share's standard error is about 0.01.
    assert abs(synthetic["d"].isna().mean() - 0.2) < 0.04
    whole = synthetic["d"].dropna().astype(np.int64).astype(str)
    pd.to_datetime(whole, format="%Y%m%d")  # raises on any invalid date


def test_declared_text_dates_without_separators_keep_their_layout() -> None:
    texts = [str(v)[:6] for v in _day_numbers("%Y%m%d")]
    real = pd.DataFrame({"month": texts})
    metadata = TableMetadata.infer(real)
    metadata.update_column("month", "datetime", datetime_format="%Y%m")

    synthetic = _fit(real, metadata).generate(200)

    assert synthetic["month"].str.fullmatch(r"20\d\d(0[1-9]|1[0-2])").all()


def test_declared_layout_that_does_not_read_a_value_names_it() -> None:
    numbers = _day_numbers("%Y%m%d")
    numbers[7] = 20190231
    real = pd.DataFrame({"day": numbers})
    metadata = TableMetadata.infer(real)
    metadata.update_column("day", "datetime", datetime_format="%Y%m%d")

    with pytest.raises(InvalidDataError, match=r"'day'.*'%Y%m%d'.*'20190231'"):
        _fit(real, metadata)


def _slashed_dates(max_day: int, n: int = 200) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    months, days = rng.integers(1, 13, n), rng.integers(1, max_day + 1, n)
    texts = [
        dt.date(2023, int(m), int(d)).strftime("%d/%m/%Y")
        for m, d in zip(months, days, strict=True)
    ]
    return pd.DataFrame({"paid": texts, "amount": rng.normal(50, 5, n)})


def test_dates_that_read_both_month_and_day_first_are_warned_of() -> None:
    # Every day is 12 or less: a new user's day-first dates were read month
    # first without a word, and 119 of 200 generated ones had a "month" of
    # 13 to 31 in the file's own layout.
    real = _slashed_dates(max_day=12)
    with pytest.warns(UserWarning, match="read both month first and day first") as w:
        _fit(real, TableMetadata.infer(real))
    message = str(w[0].message)
    assert "'%m/%d/%Y' and '%d/%m/%Y'" in message
    assert "datetime_format='%d/%m/%Y'" in message
    assert "--datetime paid=%d/%m/%Y" in message


def test_dates_one_reading_fits_or_declared_are_not_warned_of() -> None:
    unambiguous = _slashed_dates(max_day=28)
    # Year first is year, month, day, though pandas also reads %Y-%d-%m.
    iso = pd.DataFrame(
        {"day": pd.to_datetime(_slashed_dates(12)["paid"], format="%d/%m/%Y")}
    ).astype({"day": str})
    declared = _slashed_dates(max_day=12)
    metadata = TableMetadata.infer(declared)
    metadata.update_column("paid", "datetime", datetime_format="%d/%m/%Y")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _fit(unambiguous, TableMetadata.infer(unambiguous))
        _fit(iso, TableMetadata.infer(iso))
        synthetic = _fit(declared, metadata).generate(200)
    month = synthetic["paid"].str.slice(3, 5).astype(int)
    assert month.between(1, 12).all()


def test_datetime_format_for_another_column_type_is_refused() -> None:
    metadata = TableMetadata.infer(pd.DataFrame({"d": _day_numbers("%Y%m%d")}))

    with pytest.raises(InvalidDataError, match=r"'d'.*datetime_format"):
        metadata.update_column("d", "integer", datetime_format="%Y%m%d")


# -- model files and conditions ---------------------------------------------------


def _every_form() -> tuple[pd.DataFrame, TableMetadata]:
    steps = _steps()
    frame = pd.DataFrame(
        {
            "date": pd.Series(
                [OBJECT_CASES["date"](k) if k % 6 else None for k in steps],
                dtype=object,
            ),
            "paris": pd.Series([OBJECT_CASES["paris datetime"](k) for k in steps]),
            "stamp": pd.Series([OBJECT_CASES["timestamp"](k) for k in steps]),
            "text": _text_times("%Y-%m-%dT%H:%M:%S.{ms}", "+01:00"),
            "number": _day_numbers("%Y%m%d"),
        }
    )
    frame["paris"] = frame["paris"].astype(object)
    frame["stamp"] = frame["stamp"].astype(object)
    metadata = TableMetadata.infer(frame)
    metadata.update_column("number", "datetime", datetime_format="%Y%m%d")
    return frame, metadata


def test_saved_model_gives_the_same_dates_in_the_same_forms(tmp_path: Path) -> None:
    real, metadata = _every_form()
    generator = _fit(real, metadata)
    generator.save(tmp_path / "dates.genesis")

    loaded = SyntheticGenerator.load(tmp_path / "dates.genesis")

    before = generator.generate(50, seed=3)
    after = loaded.generate(50, seed=3)
    assert loaded.metadata_ == generator.metadata_
    for column in real.columns:
        assert before[column].tolist() == after[column].tolist()
        assert [type(v) for v in after[column]] == [type(v) for v in before[column]]


def test_conditions_on_dates_in_the_users_forms() -> None:
    real, metadata = _every_form()
    generator = _fit(real, metadata)

    low, high = dt.date(2019, 6, 1), dt.date(2019, 12, 31)
    dates = generator.generate(20, conditions={"date": (low, high)})["date"]
    text = generator.generate(
        20, conditions={"text": ("2024-03-01T12:00:00+01:00", "2024-03-02T00:00+01:00")}
    )["text"]
    numbers = generator.generate(20, conditions={"number": (20190601, 20191231)})

    assert all(low <= v <= high for v in dates)
    assert text.between("2024-03-01T12", "2024-03-02T00:00:00.000+01:00").all()
    assert numbers["number"].between(20190601, 20191231).all()


@needs_torch
def test_tvae_writes_object_dates_back_as_date_objects() -> None:
    real = _frame([OBJECT_CASES["date"](k) for k in _steps()])

    generator = SyntheticGenerator(
        method="tvae", backend="torch", config={"epochs": 1}, seed=0
    ).fit(real, progress=False)
    synthetic = generator.generate(200)

    assert {type(v) for v in synthetic["d"]} == {dt.date}
    assert all(real["d"].min() <= v <= real["d"].max() for v in synthetic["d"])
    # Even after one epoch the dates come from a continuous span, not copies
    # of the 150 real ones (share 0 when they were categories).
    assert _new_share(real["d"], synthetic["d"]) > 0.3
