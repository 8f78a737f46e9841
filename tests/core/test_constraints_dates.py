"""Constraints on dates that Genesis reads from text, numbers or objects.

The rule is judged on the instants the values stand for, and the generated
columns come back in the user's own layout and Python type.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from genesis import InvalidDataError, SyntheticGenerator
from genesis.constraints import Inequality, Range
from genesis.metadata import TableMetadata

N_ROWS = 200
PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def day_pairs(n: int = N_ROWS, seed: int = 0) -> tuple[pd.DatetimeIndex, ...]:
    """Start and end days, the end 0 to 40 days after the start."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2024-01-01") + pd.to_timedelta(
        rng.integers(0, 200, n), unit="D"
    )
    return start, start + pd.to_timedelta(rng.integers(0, 40, n), unit="D")


def in_paris(days: pd.DatetimeIndex) -> pd.Series:
    return pd.Series(
        [day.to_pydatetime().replace(tzinfo=PARIS) for day in days], dtype=object
    )


# Each form: how to write the days, how to read a generated value back, and
# what a generated value must look like.
FORMS: dict[str, tuple[Callable, Callable, Callable[[object], bool]]] = {
    "iso text": (
        lambda d: pd.Series(d.strftime("%Y-%m-%d"), dtype=object),
        lambda s: pd.to_datetime(s, format="%Y-%m-%d"),
        lambda v: isinstance(v, str) and re.fullmatch(r"\d{4}-\d\d-\d\d", v),
    ),
    "day-first text": (
        lambda d: pd.Series(d.strftime("%d/%m/%Y"), dtype=object),
        lambda s: pd.to_datetime(s, format="%d/%m/%Y"),
        lambda v: isinstance(v, str) and re.fullmatch(r"\d\d/\d\d/\d{4}", v),
    ),
    "string dtype": (
        lambda d: pd.Series(d.strftime("%Y-%m-%d"), dtype="string"),
        lambda s: pd.to_datetime(s, format="%Y-%m-%d"),
        lambda v: isinstance(v, str),
    ),
    "date objects": (
        lambda d: pd.Series(d.date, dtype=object),
        pd.to_datetime,
        lambda v: type(v) is dt.date,
    ),
    "zoned datetime objects": (
        in_paris,
        lambda s: pd.to_datetime(s).dt.tz_convert("UTC"),
        lambda v: type(v) is dt.datetime and v.tzinfo == PARIS,
    ),
}


@pytest.mark.parametrize("form", list(FORMS))
def test_inequality_on_dates_read_from_text_or_objects(form: str) -> None:
    write, read, looks_right = FORMS[form]
    start, end = day_pairs()
    frame = pd.DataFrame({"start": write(start), "end": write(end)})
    frame["amount"] = np.random.default_rng(1).normal(100, 10, N_ROWS)
    frame.loc[::9, "start"] = None

    generator = SyntheticGenerator(seed=0, constraints=[Inequality("start", "end")])
    synthetic = generator.fit(frame, progress=False).generate(400)

    for column in ("start", "end"):
        assert synthetic[column].dtype == frame[column].dtype
        assert all(looks_right(v) for v in synthetic[column].dropna())
    both = synthetic["start"].notna() & synthetic["end"].notna()
    starts, ends = read(synthetic["start"][both]), read(synthetic["end"][both])
    assert (starts <= ends).all()
    assert 0.05 < synthetic["start"].isna().mean() < 0.2


@pytest.mark.parametrize("form", ["iso text", "day-first text", "date objects"])
def test_dates_in_the_users_form_are_modelled_as_their_datetime64_twin(
    form: str,
) -> None:
    # The gap is learnt as for datetime64 columns (not kept by rejection,
    # which lost the gap's shape: a KS distance of 0.33 against 0.003), so
    # the same seed gives the same days.
    write, read, _ = FORMS[form]
    start, end = day_pairs()
    twin = pd.DataFrame({"start": start, "end": end})
    twin.loc[::9, "start"] = pd.NaT
    frame = pd.DataFrame({"start": write(start), "end": write(end)})
    frame.loc[::9, "start"] = None

    days = []
    for table in (twin, frame):
        rule = Inequality("start", "end")
        generator = SyntheticGenerator(seed=0, constraints=[rule])
        generator.fit(table, progress=False)
        assert generator._constraints[0].transformed_column == "end"
        synthetic = generator.generate(300, seed=1)
        days.append(synthetic.apply(read).astype("datetime64[ns]"))
    assert days[0].equals(days[1])


def test_whole_numbers_declared_as_dates_are_compared_as_dates() -> None:
    # 20240131 + 5 is no date: the rule must hold on the days, and every
    # generated value must be a real day in the declared layout.
    start, end = day_pairs()
    frame = pd.DataFrame(
        {
            "start": start.strftime("%Y%m%d").astype(np.int64),
            "end": end.strftime("%Y%m%d").astype(np.int64),
        }
    )
    metadata = TableMetadata.infer(frame)
    for column in ("start", "end"):
        metadata.update_column(column, "datetime", datetime_format="%Y%m%d")

    generator = SyntheticGenerator(seed=0, constraints=[Inequality("start", "end")])
    generator.fit(frame, metadata=metadata, progress=False)
    synthetic = generator.generate(400)

    assert synthetic["end"].dtype == np.int64
    starts = pd.to_datetime(synthetic["start"].astype(str), format="%Y%m%d")
    ends = pd.to_datetime(synthetic["end"].astype(str), format="%Y%m%d")
    assert (starts <= ends).all()


def test_text_dates_are_judged_by_date_not_by_spelling() -> None:
    # "31/01/2024" sorts after "01/02/2024" as text but is the earlier day.
    frame = pd.DataFrame(
        {
            "start": ["31/01/2024", "15/03/2024", "28/02/2024"] * 20,
            "end": ["01/02/2024", "16/03/2024", "01/03/2024"] * 20,
        }
    )
    generator = SyntheticGenerator(seed=0, constraints=[Inequality("start", "end")])
    synthetic = generator.fit(frame, progress=False).generate(300)
    starts = pd.to_datetime(synthetic["start"], format="%d/%m/%Y")
    ends = pd.to_datetime(synthetic["end"], format="%d/%m/%Y")
    assert (starts <= ends).all()

    frame.loc[6, "end"] = "30/01/2024"
    expected = (
        r"1 of 60 rows .* index 6: \{'start': '31/01/2024', 'end': '30/01/2024'\}"
    )
    with pytest.raises(InvalidDataError, match=expected):
        SyntheticGenerator(constraints=[Inequality("start", "end")]).fit(
            frame, progress=False
        )


def test_times_with_different_utc_offsets_are_compared_as_instants() -> None:
    # 10:00 at +05:00 is 05:00 UTC, before 08:00 at +01:00 (07:00 UTC).
    rng = np.random.default_rng(2)
    start = pd.Timestamp("2024-01-01 10:00") + pd.to_timedelta(
        rng.integers(0, 24 * 60, N_ROWS), unit="h"
    )
    end = start - pd.Timedelta(hours=2)
    frame = pd.DataFrame(
        {
            "start": start.strftime("%Y-%m-%dT%H:%M:%S+05:00"),
            "end": end.strftime("%Y-%m-%dT%H:%M:%S+01:00"),
        }
    )
    frame.loc[::2, "end"] = (end[::2] + pd.Timedelta(hours=4)).strftime(
        "%Y-%m-%dT%H:%M:%S+05:00"
    )
    generator = SyntheticGenerator(
        seed=0, constraints=[Inequality("start", "end", strict=True)]
    )
    synthetic = generator.fit(frame, progress=False).generate(300)

    starts = pd.to_datetime(synthetic["start"], utc=True)
    ends = pd.to_datetime(synthetic["end"], format="ISO8601", utc=True)
    assert (starts < ends).all()
    assert synthetic["end"].str.endswith("+01:00").any()


def test_range_and_conditions_on_text_dates(tmp_path: Path) -> None:
    start, end = day_pairs()
    frame = pd.DataFrame(
        {"start": start.strftime("%Y-%m-%d"), "end": end.strftime("%Y-%m-%d")}
    )
    rules = [Inequality("start", "end"), Range("start", low="2024-01-01")]
    generator = SyntheticGenerator(seed=0, constraints=rules)
    generator.fit(frame, progress=False)

    wanted = {"end": ("2024-03-01", "2024-03-31")}
    synthetic = generator.generate(200, conditions=wanted)
    assert synthetic["end"].str.startswith("2024-03-").all()
    assert (synthetic["start"] <= synthetic["end"]).all()

    with pytest.raises(InvalidDataError, match=r"'start' = '2023-12-31' lies outside"):
        generator.generate(5, conditions={"start": "2023-12-31"})
    with pytest.raises(InvalidDataError, match=r"'end' = '2024-01-05' contradict"):
        generator.generate(5, conditions={"start": "2024-02-01", "end": "2024-01-05"})

    path = tmp_path / "dates.genesis"
    generator.save(path)
    loaded = SyntheticGenerator.load(path)
    assert loaded.generate(100, seed=4).equals(generator.generate(100, seed=4))
    # The loaded rule still reads the text as dates: a breach is caught.
    broken = loaded.generate(50, seed=5)
    broken.loc[0, ["start", "end"]] = ["2024-05-02", "2024-05-01"]
    assert loaded._constraints[0]._broken(broken).tolist()[0]


def test_text_dates_beside_zoned_objects_are_refused() -> None:
    start, end = day_pairs(20)
    frame = pd.DataFrame({"start": start.strftime("%Y-%m-%d"), "end": in_paris(end)})
    with pytest.raises(InvalidDataError, match="with and without a time zone"):
        SyntheticGenerator(constraints=[Inequality("start", "end")]).fit(
            frame, progress=False
        )


def test_a_text_bound_is_read_in_the_columns_own_day_first_layout() -> None:
    # Found trying the README as a new user: "05/02/2024" was read as 2 May
    # in a column of day-first dates, so every row from February to April
    # broke Range(low="05/02/2024").
    days = pd.Timestamp("2024-02-05") + pd.to_timedelta(
        np.random.default_rng(1).integers(0, 80, N_ROWS), unit="D"
    )
    frame = pd.DataFrame(
        {"ordered": days.strftime("%d/%m/%Y"), "amount": np.arange(N_ROWS)}
    )
    generator = SyntheticGenerator(
        "gaussian_copula", seed=0, constraints=[Range("ordered", low="05/02/2024")]
    ).fit(frame)
    rows = generator.generate(500)
    read = pd.to_datetime(rows["ordered"], format="%d/%m/%Y")
    assert (read >= pd.Timestamp("2024-02-05")).all()
    assert (read < pd.Timestamp("2024-05-01")).any()
    # Read in that layout, 05/03/2024 (5 March) comes after 10/02/2024.
    with pytest.raises(InvalidDataError, match="swap them"):
        SyntheticGenerator(
            "gaussian_copula",
            constraints=[Range("ordered", low="05/03/2024", high="10/02/2024")],
        ).fit(frame)


def test_day_first_bounds_in_their_order_are_taken_at_construction() -> None:
    # Range(low="05/02/2024", high="01/03/2024") is 5 February to 1 March in
    # a day-first column, but was refused when made ("low above high; swap
    # them"): the constructor read both month first, before any column.
    days = pd.Timestamp("2024-02-05") + pd.to_timedelta(
        np.random.default_rng(2).integers(0, 25, N_ROWS), unit="D"
    )
    frame = pd.DataFrame({"ordered": days.strftime("%d/%m/%Y")})
    rule = Range("ordered", low="05/02/2024", high="01/03/2024")
    rows = (
        SyntheticGenerator("gaussian_copula", seed=0, constraints=[rule])
        .fit(frame)
        .generate(400)
    )
    read = pd.to_datetime(rows["ordered"], format="%d/%m/%Y")
    assert read.between(pd.Timestamp("2024-02-05"), pd.Timestamp("2024-03-01")).all()


def test_a_text_bound_that_reads_two_ways_is_refused_on_a_datetime_column() -> None:
    # A datetime64 column has no layout of its own: pandas read "05/02/2024"
    # as 2 May without a word, where a European user meant 5 February.
    days = pd.Timestamp("2024-01-20") + pd.to_timedelta(
        np.random.default_rng(3).integers(0, 60, N_ROWS), unit="D"
    )
    frame = pd.DataFrame({"ordered": days, "amount": np.arange(N_ROWS)})
    two_ways = r"'05/02/2024' reads as 2024-05-02 month first and 2024-02-05 day first"
    with pytest.raises(InvalidDataError, match=rf"'ordered'.*{two_ways}"):
        SyntheticGenerator(
            "gaussian_copula", constraints=[Range("ordered", low="05/02/2024")]
        ).fit(frame)
    generator = SyntheticGenerator("gaussian_copula", seed=0).fit(frame)
    with pytest.raises(InvalidDataError, match=rf"'ordered'.*{two_ways}"):
        generator.generate(10, conditions={"ordered": ("05/02/2024", "20/02/2024")})
    # Text that reads one way only is taken as before.
    rows = generator.generate(50, conditions={"ordered": ("2024-02-05", "20/02/2024")})
    assert rows["ordered"].between("2024-02-05", "2024-02-20").all()
    later = frame[frame["ordered"] >= "2024-02-13"]
    kept = SyntheticGenerator(
        "gaussian_copula", seed=0, constraints=[Range("ordered", low="13/02/2024")]
    ).fit(later)
    assert (kept.generate(200)["ordered"] >= pd.Timestamp("2024-02-13")).all()
