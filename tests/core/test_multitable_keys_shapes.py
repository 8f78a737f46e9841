"""Fresh primary keys keep the shape of a user's export: dates as text,
Python dates, e-mails, UUIDs, zero-padded and prefixed numbers."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from genesis import _io
from genesis.cli import main
from genesis.multitable import MultiTableGenerator, RelationalSchema
from genesis.multitable._keys import KeyFormat
from tests.conftest import SHARED_DATA

NYCFLIGHTS = SHARED_DATA / "nycflights13"
COPULA = ["--method", "gaussian_copula", "--seed", "0"]
HOUR_Z = r"2013-01-01T\d\d:00:00Z"


def write_tiny_flights(folder: Path) -> None:
    """The six hours of weather and seven flights a new user walked with."""
    folder.mkdir()
    hours = [f"2013-01-01T{h:02d}:00:00Z" for h in range(5, 11)]
    temps = [39.0, 39.9, 39.0, 39.9, 39.9, 41.0]
    pd.DataFrame({"time_hour": hours, "temp": temps}).to_csv(
        folder / "weather.csv", index=False
    )
    pd.DataFrame(
        {
            "flight": range(1, 8),
            "time_hour": [hours[0], *hours],
            "delay": [2, 4, -1, 0, 12, 3, 5],
        }
    ).to_csv(folder / "flights.csv", index=False)


def fit_generate_folder(real: Path, tmp_path: Path) -> dict[str, pd.DataFrame]:
    model, out = tmp_path / "model.genesis", tmp_path / "synthetic"
    assert main(["fit", str(real), "-o", str(model), *COPULA]) == 0
    assert main(["generate", str(model), "-o", str(out), "--seed", "0"]) == 0
    return {p.stem: pd.read_csv(p, dtype=str) for p in out.glob("*.csv")}


# -- text date-time keys ------------------------------------------------------------


def test_a_text_timestamp_key_comes_back_as_hourly_timestamps(tmp_path: Path) -> None:
    # weather.time_hour came back as "2013-01-01T610:6:791": random
    # characters after the text every real key starts with.
    real = tmp_path / "tiny_mt"
    write_tiny_flights(real)
    synthetic = fit_generate_folder(real, tmp_path)

    hours = synthetic["weather"]["time_hour"]
    assert hours.str.fullmatch(HOUR_Z).all()
    assert hours.is_unique
    times = pd.to_datetime(hours, format="%Y-%m-%dT%H:%M:%S%z")
    # Six keys on the hourly grid from the first real hour: the real range.
    assert times.dt.hour.tolist() == [5, 6, 7, 8, 9, 10]
    assert synthetic["flights"]["time_hour"].isin(hours).all()


# Real key text, the pattern every generated key must match, and its layout.
TEXT_TIMES = {
    "ISO with Z": (
        ["2013-01-01T05:00:00Z", "2013-01-01T06:00:00Z", "2013-01-01T09:00:00Z"],
        HOUR_Z.replace("01T", r"\d\dT"),
        "%Y-%m-%dT%H:%M:%S%z",
    ),
    "date and time": (
        ["2013-01-01 05:00:00", "2013-01-01 05:30:00", "2013-01-02 07:00:00"],
        r"2013-01-\d\d \d\d:[03]0:00",
        "%Y-%m-%d %H:%M:%S",
    ),
    "day first": (
        ["25/01/2013", "26/01/2013", "05/02/2013"],
        r"\d\d/0[1-3]/2013",
        "%d/%m/%Y",
    ),
    "month first": (
        ["01/05/2013", "01/06/2013", "02/01/2013"],
        r"0[1-3]/\d\d/2013",
        "%m/%d/%Y",
    ),
    "one date": (["2013-01-01"], r"2013-0[1-3]-\d\d", "%Y-%m-%d"),
    "months": (["2024-01", "2024-03", "2024-07"], r"20\d\d-\d\d", "%Y-%m"),
    "milliseconds, one key": (
        ["2024-01-01 00:00:00.250"],
        r"2024-01-01 00:00:00\.\d{3}",
        "%Y-%m-%d %H:%M:%S.%f",
    ),
    "offset +01:00": (
        ["2021-03-01T05:00:00+01:00", "2021-03-01T06:00:00+01:00"],
        r"2021-03-0\dT\d\d:00:00\+01:00",
        "%Y-%m-%dT%H:%M:%S%z",
    ),
    "offsets of summer and winter": (
        ["2021-03-01T05:00:00-05:00", "2021-03-01T07:00:00-04:00"],
        r"2021-03-0\dT\d\d:00:00-0[45]:00",
        "%Y-%m-%dT%H:%M:%S%z",
    ),
}


@pytest.mark.parametrize("case", list(TEXT_TIMES))
def test_text_date_keys_are_unique_dates_in_the_real_layout(case: str) -> None:
    texts, pattern, layout = TEXT_TIMES[case]
    key_format = KeyFormat.learn(pd.Series(texts))
    fresh = key_format.fresh(40, np.random.default_rng(0))

    assert (key_format.kind, key_format.layout) == ("text_datetime", layout)
    assert fresh.str.fullmatch(pattern).all(), fresh.tolist()
    assert fresh.is_unique
    times = pd.to_datetime(fresh, format=layout, utc=True)
    real = pd.to_datetime(pd.Series(texts), format=layout, utc=True)
    # Counting up the real grid from the first real value, as datetimes do.
    assert times.iloc[0] == real.min()
    assert times.is_monotonic_increasing


def test_text_date_keys_keep_the_real_step() -> None:
    texts = ["2013-01-01T05:00:00Z", "2013-01-01T06:00:00Z", "2013-01-01T09:00:00Z"]
    fresh = KeyFormat.learn(pd.Series(texts)).fresh(100, np.random.default_rng(0))
    times = pd.to_datetime(fresh, format="%Y-%m-%dT%H:%M:%S%z")
    assert times.diff().dropna().eq(pd.Timedelta(hours=1)).all()


def test_text_date_key_format_survives_json_and_holds_no_real_key() -> None:
    texts = pd.Series(["05/01/2013", "07/01/2013", "13/01/2013"])
    key_format = KeyFormat.learn(texts)
    text = json.dumps(key_format.to_json())
    back = KeyFormat.from_json(json.loads(text))
    assert back == key_format
    assert not any(value in text for value in texts)
    pd.testing.assert_series_equal(
        back.fresh(30, np.random.default_rng(1)),
        key_format.fresh(30, np.random.default_rng(1)),
    )


def test_a_key_format_saved_before_date_layouts_still_loads() -> None:
    # The fields of a format written before text dates, e-mails and Python
    # dates were told apart.
    older = {
        "kind": "code",
        "dtype": "object",
        "start": None,
        "step_ns": None,
        "prefix": "N",
        "width": 0,
        "alphabet": "0123456789",
        "length": 4,
        "upper": False,
        "objects": False,
    }
    fresh = KeyFormat.from_json(older).fresh(50, np.random.default_rng(0))
    assert fresh.str.fullmatch(r"N\d{4}").all() and fresh.is_unique


def test_a_model_file_saved_before_date_layouts_still_generates(
    tmp_path: Path,
) -> None:
    tables = {
        "days": pd.DataFrame({"day": [f"D{i:03d}" for i in range(8)], "x": range(8)}),
        "visits": pd.DataFrame({"day": [f"D{i % 8:03d}" for i in range(20)]}),
    }
    tables["visits"]["spent"] = np.arange(20) * 1.5
    schema = RelationalSchema()
    schema.add_table("days", primary_key="day")
    schema.add_table("visits")
    schema.add_relationship("visits", "day", "days")
    path = tmp_path / "model.genesis"
    MultiTableGenerator(schema, seed=0).fit(tables).save(path)
    arrays, document = _io.read_model_file(path)
    new_fields = ("layout", "time_style", "offset_s", "step_months", "domains")
    for table in document["tables"]:
        key_format = table["plan"]["key_format"]
        for name in (*new_fields, "time_type", "zone"):
            if key_format is not None:
                key_format.pop(name)
    _io.write_model_file(path, arrays, document)

    synthetic = MultiTableGenerator.load(path).generate()
    assert synthetic["days"]["day"].str.fullmatch(r"D\d{3}").all()
    assert synthetic["visits"]["day"].isin(synthetic["days"]["day"]).all()


# -- other shapes of key ------------------------------------------------------------


def one_parent(keys: list[object]) -> dict[str, pd.DataFrame]:
    """A parent keyed by ``keys`` and a child naming them, both with a value."""
    rng = np.random.default_rng(0)
    parents = pd.DataFrame({"key": keys, "size": rng.normal(10, 2, len(keys))})
    children = pd.DataFrame({"key": [keys[i] for i in rng.integers(0, len(keys), 60)]})
    children["amount"] = rng.gamma(2.0, 5.0, len(children))
    return {"parents": parents, "children": children}


def fit_generate(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    schema = RelationalSchema()
    schema.add_table("parents", primary_key="key")
    schema.add_table("children")
    schema.add_relationship("children", "key", "parents")
    generator = MultiTableGenerator(schema, method="gaussian_copula", seed=0)
    return generator.fit(tables).generate(scale=3.0)


KEY_SHAPES = {
    "uuids": (
        [str(uuid.UUID(int=7919 * i + 13, version=4)) for i in range(20)],
        r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
    ),
    "e-mails": (
        [f"user{i}@shop.example" for i in range(18)] + ["solo@home.example"],
        r"[0-9a-z]+@shop\.example",
    ),
    "zero-padded codes": ([f"{37 * i:06d}" for i in range(20)], r"\d{6}"),
    "prefix and number": ([f"CUST-{i:05d}" for i in range(40, 60)], r"CUST-\d{5}"),
    "day-first dates": (
        [f"{d:02d}/01/2013" for d in range(1, 21)],
        r"\d\d/0[1-3]/2013",
    ),
}


@pytest.mark.parametrize("case", list(KEY_SHAPES))
def test_keys_come_back_valid_and_unique_in_their_shape(case: str) -> None:
    keys, pattern = KEY_SHAPES[case]
    synthetic = fit_generate(one_parent(keys))
    generated = synthetic["parents"]["key"]
    assert len(generated) == 3 * len(keys)
    assert generated.str.fullmatch(pattern).all(), generated.head().tolist()
    assert generated.is_unique
    assert synthetic["children"]["key"].isin(generated).all()


def test_email_keys_are_new_addresses_at_shared_domains() -> None:
    # Drawn over the e-mail's characters, keys such as "a@.ocm..." came back.
    keys = [f"user{i}@shop.example" for i in range(18)] + ["solo@home.example"]
    key_format = KeyFormat.learn(pd.Series(keys))
    fresh = key_format.fresh(200, np.random.default_rng(0))
    assert key_format.domains == ("shop.example",)
    assert fresh.str.fullmatch(r"[0-9a-z]+@shop\.example").all()
    assert not fresh.isin(keys).any()
    assert "home.example" not in json.dumps(key_format.to_json())


def test_python_date_keys_stay_python_dates() -> None:
    # Written as text of their str(), they came back as random characters.
    days = [dt.date(2020, 1, 1) + dt.timedelta(days=d) for d in range(10)]
    synthetic = fit_generate(one_parent(days))
    generated = synthetic["parents"]["key"]
    assert all(type(value) is dt.date for value in generated)
    assert generated.is_unique
    assert generated.iloc[0] == days[0]
    assert pd.Series(generated).diff().dropna().eq(dt.timedelta(days=1)).all()
    assert synthetic["children"]["key"].isin(generated).all()


def test_python_datetimes_in_a_zone_keep_their_type_and_zone() -> None:
    zone = dt.timezone(dt.timedelta(hours=2))
    stamps = [dt.datetime(2021, 5, 1, hour, tzinfo=zone) for hour in range(4)]
    fresh = KeyFormat.learn(pd.Series(stamps, dtype=object)).fresh(
        30, np.random.default_rng(0)
    )
    assert all(type(value) is dt.datetime for value in fresh)
    assert {value.tzinfo for value in fresh} == {zone}
    assert fresh.iloc[0] == stamps[0] and fresh.is_unique


def test_datetime64_keys_work_end_to_end() -> None:
    hours = pd.date_range("2013-01-01 05:00", periods=24, freq="h", tz="UTC")
    tables = one_parent(list(hours))
    synthetic = fit_generate(tables)
    generated = synthetic["parents"]["key"]
    assert generated.dtype == tables["parents"]["key"].dtype
    assert generated.is_unique
    assert generated.diff().dropna().eq(pd.Timedelta(hours=1)).all()
    assert synthetic["children"]["key"].isin(generated).all()


def test_composite_keys_of_text_and_text_dates_stay_valid_and_unique() -> None:
    hours = [f"2013-01-01T{h:02d}:00:00Z" for h in range(24)]
    weather = pd.DataFrame(
        [(origin, hour) for origin in ("EWR", "JFK") for hour in hours],
        columns=["origin", "time_hour"],
    )
    weather["temp"] = np.random.default_rng(0).normal(40, 3, len(weather))
    flights = weather.sample(90, replace=True, random_state=0)[["origin", "time_hour"]]
    flights = flights.assign(delay=np.arange(90) % 17).reset_index(drop=True)
    schema = RelationalSchema()
    schema.add_table("weather", primary_key=["origin", "time_hour"])
    schema.add_table("flights")
    schema.add_relationship("flights", ["origin", "time_hour"], "weather")
    generator = MultiTableGenerator(schema, method="gaussian_copula", seed=0)
    synthetic = generator.fit({"weather": weather, "flights": flights}).generate()

    generated = synthetic["weather"]
    assert generated["time_hour"].str.fullmatch(HOUR_Z).all()
    assert not generated.duplicated(["origin", "time_hour"]).any()
    pairs = pd.MultiIndex.from_frame(generated[["origin", "time_hour"]])
    children = pd.MultiIndex.from_frame(synthetic["flights"][["origin", "time_hour"]])
    assert children.isin(pairs).all()


# -- real data ----------------------------------------------------------------------


def test_nycflights_weather_hours_as_a_whole_key(tmp_path: Path) -> None:
    if not (NYCFLIGHTS / "weather.csv").is_file():
        pytest.skip(f"nycflights13 not found at {NYCFLIGHTS}")
    # One airport's first 300 hours, so time_hour alone is weather's key, and
    # the flights of those hours.
    weather = pd.read_csv(NYCFLIGHTS / "weather.csv")
    weather = weather[weather["origin"] == "EWR"].head(300)
    flights = pd.read_csv(NYCFLIGHTS / "flights.csv", nrows=20_000)
    flights = flights[(flights["origin"] == "EWR")]
    flights = flights[flights["time_hour"].isin(weather["time_hour"])]
    real = tmp_path / "real"
    real.mkdir()
    weather[["time_hour", "temp", "humid"]].to_csv(real / "weather.csv", index=False)
    flights[["time_hour", "dep_delay"]].to_csv(real / "flights.csv", index=False)
    synthetic = fit_generate_folder(real, tmp_path)

    hours = synthetic["weather"]["time_hour"]
    assert hours.str.fullmatch(r"2013-\d\d-\d\dT\d\d:00:00Z").all()
    assert hours.is_unique
    times = pd.to_datetime(hours, format="%Y-%m-%dT%H:%M:%S%z")
    first = pd.to_datetime(weather["time_hour"]).min()
    assert times.min() == first
    assert times.diff().dropna().eq(pd.Timedelta(hours=1)).all()
    assert synthetic["flights"]["time_hour"].dropna().isin(hours).all()
