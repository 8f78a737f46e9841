"""Text dates in layouts strftime does not write alone: values without a
leading zero ("12/4/22 3:38 AM"), dates alone mixed with dates and times
("2023-03-23", "2022-12-04 03:38"), and declared layouts pandas cannot read
("%-m/%-d/%y")."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from genesis import ColumnType, InvalidDataError, SyntheticGenerator, TableMetadata
from genesis.data import _times as time_text

ROWS = 150


def _times(seed: int = 0) -> pd.DatetimeIndex:
    rng = np.random.default_rng(seed)
    minutes = rng.integers(0, 500 * 24 * 60, ROWS)
    return pd.Timestamp("2022-01-01") + pd.to_timedelta(minutes, unit="min")


def _frame(texts: list[str]) -> pd.DataFrame:
    noise = np.random.default_rng(1).normal(size=len(texts))
    return pd.DataFrame({"d": pd.Series(texts, dtype=object), "x": noise})


def _us_excel(stamp: pd.Timestamp) -> str:
    hour = int(stamp.strftime("%I"))
    return f"{stamp.month}/{stamp.day}/{stamp:%y} {hour}:{stamp:%M} {stamp:%p}"


@pytest.mark.parametrize("layout", ["%-m/%-d/%y %-I:%M %p", "%m/%d/%y %Q", "%Y-%"])
def test_a_layout_pandas_cannot_read_is_refused_naming_it(layout: str) -> None:
    real = _frame([_us_excel(t) for t in _times()])
    metadata = TableMetadata.infer(real)
    directive = {"%-": "%-m", "%Q": "%Q", "%Y-%": "'%'"}

    with pytest.raises(InvalidDataError, match="Column 'd'") as caught:
        metadata.update_column("d", "datetime", datetime_format=layout)
    key = next(key for key in directive if key in layout)
    assert directive[key] in str(caught.value)


def test_a_bad_directive_in_a_stored_layout_is_refused_at_fit() -> None:
    real = _frame([_us_excel(t) for t in _times()])
    metadata = TableMetadata.infer(real).to_dict()
    column = next(c for c in metadata["columns"] if c["name"] == ["str", "d"])
    column.update(column_type="datetime", datetime_format="%-m/%-d/%y")
    generator = SyntheticGenerator(method="gaussian_copula", seed=1)

    with pytest.raises(InvalidDataError, match=r"Column 'd'.*%-m"):
        generator.fit(real, metadata=TableMetadata.from_dict(metadata))


def test_unpadded_text_is_written_back_unpadded() -> None:
    texts = [_us_excel(t) for t in _times()]
    real = _frame(texts)
    metadata = TableMetadata.infer(real)
    metadata.update_column("d", "datetime", datetime_format="%m/%d/%y %I:%M %p")
    out = (
        SyntheticGenerator(method="gaussian_copula", seed=3)
        .fit(real, metadata=metadata)
        .generate(200)["d"]
    )

    assert out.str.fullmatch(r"[1-9]\d?/[1-9]\d?/\d\d [1-9]\d?:\d\d [AP]M").all()
    # Written as the real values are, and new times rather than copies.
    read = pd.to_datetime(out, format="%m/%d/%y %I:%M %p")
    assert (read.map(_us_excel) == out).all()
    assert not set(out) <= set(texts)


def test_padded_text_stays_padded() -> None:
    texts = [t.strftime("%m/%d/%Y %H:%M") for t in _times()]
    out = (
        SyntheticGenerator(method="gaussian_copula", seed=3)
        .fit(_frame(texts))
        .generate(200)["d"]
    )

    assert out.str.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d").all()


def _iso_mix(seed: int = 0) -> list[str]:
    # No time written is midnight: the column writes midnight as the date.
    stamps = _times(seed)
    stamps = stamps.where(stamps != stamps.normalize(), stamps + pd.Timedelta("1min"))
    at_midnight = np.random.default_rng(seed + 7).random(ROWS) < 0.4
    return [
        t.strftime("%Y-%m-%d") if alone else t.strftime("%Y-%m-%d %H:%M")
        for t, alone in zip(stamps, at_midnight, strict=True)
    ]


def _midnight_mix(texts: pd.Series) -> None:
    read = pd.to_datetime(texts, format="mixed")
    midnight = read == read.dt.normalize()
    assert texts[midnight].str.fullmatch(r"\d{4}-\d\d-\d\d").all()
    assert texts[~midnight].str.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d").all()


def test_dates_alone_among_dates_with_times_are_datetimes() -> None:
    texts = _iso_mix()
    real = _frame(texts)

    assert TableMetadata.infer(real)["d"].column_type == ColumnType.DATETIME
    generator = SyntheticGenerator(method="gaussian_copula", seed=2).fit(real)
    out = generator.generate(300)["d"]
    assert not set(out) <= set(texts)
    _midnight_mix(out)
    # A generated midnight is written as the date alone, as the real ones.
    stamps = pd.Series([pd.Timestamp(2023, 1, 2), pd.Timestamp(2023, 1, 2, 5, 6)])
    found = time_text.read_dates_and_times(pd.Series(texts))
    assert found is not None
    _, layout, style = found
    assert time_text.write_layout(stamps, layout, style).tolist() == [
        "2023-01-02",
        "2023-01-02 05:06",
    ]


def test_dates_alone_read_in_a_declared_layout_with_times() -> None:
    texts = _iso_mix(seed=4)
    real = _frame(texts)
    metadata = TableMetadata.infer(real)
    metadata.update_column("d", "datetime", datetime_format="%Y-%m-%d %H:%M")
    out = (
        SyntheticGenerator(method="gaussian_copula", seed=2)
        .fit(real, metadata=metadata)
        .generate(300)["d"]
    )

    assert not set(out) <= set(texts)
    _midnight_mix(out)


def test_midnight_written_with_its_time_keeps_the_column_categorical() -> None:
    # Midnight both as "2023-03-23" and "2023-03-24 00:00": no one way to
    # write it, so the column is not guessed to be datetimes.
    texts = _iso_mix()
    texts[-1] = "2023-03-24 00:00"

    assert TableMetadata.infer(_frame(texts))["d"].column_type == (
        ColumnType.CATEGORICAL
    )
