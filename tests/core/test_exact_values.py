"""Integers and times come back exact: whole steps, inside the observed range.

A float64 holds integers exactly only up to 2**53; a nanosecond timestamp of
this century is about 1.6e18. Modelled as plain floats, millisecond times came
back 1 microsecond below the earliest real time, with stray sub-millisecond
digits, and int64 identifiers above 2**53 all came back even.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from genesis import InvalidDataError, SyntheticGenerator
from genesis._io import read_model_file, write_model_file

NEURAL = [
    pytest.param(
        method,
        marks=pytest.mark.skipif(
            importlib.util.find_spec("genesis_torch") is None,
            reason="needs genesis-torch",
        ),
    )
    for method in ("ctgan", "tvae")
]
METHODS = pytest.mark.parametrize("method", ["gaussian_copula", *NEURAL])


def fitted(frame: pd.DataFrame, method: str) -> SyntheticGenerator:
    config = None if method == "gaussian_copula" else {"epochs": 2, "batch_size": 50}
    extra = {} if method == "gaussian_copula" else {"backend": "torch"}
    generator = SyntheticGenerator(method=method, config=config, seed=0, **extra)
    return generator.fit(frame, progress=False)


def millisecond_times(n: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    first = pd.Timestamp("2020-01-01 00:13:00.669")
    times = first + pd.to_timedelta(rng.integers(0, 10**9, n), unit="ms")
    times = pd.Series(times)
    times.iloc[: n // 10] = first  # a tenth of the rows at the earliest time
    return pd.DataFrame({"event_time": times, "x": rng.normal(size=n)})


@METHODS
def test_millisecond_times_stay_whole_milliseconds_inside_the_range(
    method: str,
) -> None:
    real = millisecond_times()
    out = fitted(real, method).generate(1000)["event_time"]
    assert out.dtype == real["event_time"].dtype
    assert out.min() >= real["event_time"].min()
    assert out.max() <= real["event_time"].max()
    assert (out.dt.microsecond % 1000 == 0).all(), "sub-millisecond digits"
    assert (out.dt.nanosecond == 0).all(), "sub-millisecond digits"


def test_time_zone_aware_seconds_far_from_1970_stay_whole() -> None:
    rng = np.random.default_rng(4)
    start = pd.Timestamp("2200-01-01", tz="Asia/Kolkata")
    times = start + pd.to_timedelta(rng.integers(0, 10**8, 200), unit="s")
    real = pd.DataFrame({"at": pd.Series(times), "y": rng.normal(size=200)})
    out = fitted(real, "gaussian_copula").generate(500)["at"]
    assert out.dtype == real["at"].dtype
    assert real["at"].min() <= out.min() and out.max() <= real["at"].max()
    assert (out.dt.microsecond == 0).all() and (out.dt.nanosecond == 0).all()


BIG = 2**53 + 1


@pytest.mark.parametrize(
    ("values", "dtype"),
    [
        (BIG + 2 * np.arange(300) + np.arange(300) % 2, "int64"),
        (np.uint64(2**64 - 4000) + np.arange(0, 3000, 10, dtype=np.uint64), "uint64"),
        # A range wider than int64 can hold as a difference.
        (np.arange(300) * (3 * 2**62 // 300) - 3 * 2**61 + 1, "int64"),
        (-BIG - 3 * np.arange(300), "int64"),
    ],
    ids=["above-2**53", "uint64-top", "wider-than-int64", "below-minus-2**53"],
)
@METHODS
def test_large_integers_come_back_whole_and_inside_the_range(
    method: str, values: np.ndarray, dtype: str
) -> None:
    rng = np.random.default_rng(1)
    real = pd.DataFrame(
        {"account": pd.Series(values, dtype=dtype), "x": rng.normal(size=300)}
    )
    out = fitted(real, method).generate(400)["account"]
    assert out.dtype == real["account"].dtype
    # Compared as Python integers: exact whatever the magnitude.
    low, high = int(real["account"].min()), int(real["account"].max())
    assert all(low <= int(v) <= high for v in out)
    if high - low < 2**53:
        # Plain floats could hold only every 2nd (or 512th...) integer up
        # there; offsets from the smallest value are exact below 2**53.
        assert len({int(v) % 2 for v in out}) == 2


def test_nullable_large_integers_keep_their_dtype_and_missing_values() -> None:
    rng = np.random.default_rng(2)
    values = pd.array(BIG + rng.integers(0, 1000, 400), dtype="Int64")
    values[rng.random(400) < 0.25] = pd.NA
    real = pd.DataFrame({"id": values, "x": rng.normal(size=400)})
    out = fitted(real, "gaussian_copula").generate(2000)["id"]
    assert out.dtype == "Int64"
    assert abs(out.isna().mean() - real["id"].isna().mean()) < 0.05
    kept = out.dropna()
    assert kept.min() >= real["id"].min() and kept.max() <= real["id"].max()


@pytest.mark.parametrize("dtype", ["int64", "Int64", "uint64"])
def test_discrete_large_integers_come_back_as_seen_values(dtype: str) -> None:
    rng = np.random.default_rng(0)
    codes = pd.Series(BIG + 2 * rng.integers(0, 5, 300), dtype=dtype)
    if dtype == "Int64":
        codes[rng.random(300) < 0.2] = pd.NA
    real = pd.DataFrame({"code": codes, "x": rng.normal(size=300)})
    generator = SyntheticGenerator(method="gaussian_copula", seed=0)
    out = generator.fit(real, discrete_columns=["code"], progress=False).generate(500)
    assert out["code"].dtype == real["code"].dtype
    assert set(out["code"].dropna()) <= set(real["code"].dropna())
    assert out["code"].isna().any() == real["code"].isna().any()


def _without_origins(document: Any) -> Any:
    if isinstance(document, dict):
        return {
            key: _without_origins(value)
            for key, value in document.items()
            if key not in ("origin", "extent")
        }
    if isinstance(document, list):
        return [_without_origins(value) for value in document]
    return document


def test_a_file_saved_before_origins_still_loads_and_generates(
    tmp_path: Path,
) -> None:
    real = millisecond_times()
    path = tmp_path / "old.genesis"
    fitted(real, "gaussian_copula").save(path)
    arrays, document = read_model_file(path)
    stripped = _without_origins(document)
    assert stripped != document, "the file should have held origins"
    write_model_file(path, arrays, stripped)
    # Old files modelled absolute values, so this file's relative values are
    # read as times near 1970: it shows the old path runs, not its accuracy.
    out = SyntheticGenerator.load(path).generate(50)["event_time"]
    assert out.dtype == real["event_time"].dtype
    assert out.notna().all()


@pytest.mark.parametrize(
    ("column", "bounds"),
    [("x", (2.0, -2.0)), ("event_time", ("2020-06-01", "2020-01-02"))],
)
def test_a_reversed_range_condition_is_refused_at_once(
    column: str, bounds: tuple[Any, Any]
) -> None:
    generator = fitted(millisecond_times(), "gaussian_copula")
    with pytest.raises(InvalidDataError, match=rf"column '{column}' has low .* above"):
        generator.generate(10, conditions={column: bounds})


def test_numbers_all_below_a_millionth_are_not_rounded_to_zero() -> None:
    # The decimal-places check once used an absolute tolerance of 1e-6, so a
    # column of values around 1e-8 counted as whole numbers and came back 0.
    rng = np.random.default_rng(5)
    real = pd.DataFrame(
        {"tiny": rng.normal(size=300) * 1e-8, "x": rng.normal(size=300)}
    )
    out = fitted(real, "gaussian_copula").generate(500)["tiny"]
    assert (out != 0).mean() > 0.99
    assert 0.5 < out.std() / real["tiny"].std() < 2.0


def test_decimal_places_are_kept_for_small_values() -> None:
    rng = np.random.default_rng(6)
    values = np.round(rng.random(300), 3) * 1e-3  # six decimal places
    real = pd.DataFrame({"rate": values, "x": rng.normal(size=300)})
    out = fitted(real, "gaussian_copula").generate(500)["rate"]
    scaled = out.to_numpy() * 1e6
    np.testing.assert_allclose(scaled, np.round(scaled), atol=1e-6)
    assert out.nunique() > 50


def test_a_time_zone_that_cannot_be_named_is_refused_at_fit() -> None:
    # A dateutil zone used to fit, then crashed generate in tz_localize: its
    # name (the zone's file) does not read back as a zone.
    dateutil_tz = pytest.importorskip("dateutil.tz")
    zone = dateutil_tz.gettz("Europe/Paris")
    start = pd.Timestamp("2022-03-01", tz=zone)
    times = pd.Series(start + pd.to_timedelta(np.arange(50) * 3600, unit="s"))
    real = pd.DataFrame({"at": times, "x": np.arange(50.0)})
    with pytest.raises(
        InvalidDataError, match=r"Column 'at' has the time zone .*tz_convert"
    ):
        fitted(real, "gaussian_copula")


def test_one_far_outlier_does_not_round_the_bulk() -> None:
    rng = np.random.default_rng(16)
    real = pd.DataFrame({"price": np.append(rng.normal(50, 5, 300), 1e7)})
    out = fitted(real, "gaussian_copula").generate(500)["price"]
    assert (out != out.round()).mean() > 0.9
