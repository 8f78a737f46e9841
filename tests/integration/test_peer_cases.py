"""Inputs shaped like bug reports filed against other libraries, as our own tests.

Each test builds the input of one case in ``../shared/cases`` (which CI may
not have) and asserts the behaviour a correct generator shows. They run for
every single-table method installed: the copula always, CTGAN and TVAE when a
backend provides them (50 epochs, as the shared cases runner uses for them).
"""

from __future__ import annotations

import resource
import time

import numpy as np
import pandas as pd
import pytest

from genesis import SyntheticGenerator
from genesis._registry import get_registry

METHODS = [
    m
    for m in ("gaussian_copula", "ctgan", "tvae")
    if get_registry().generators.backends_for(m)
]
FAST_CONFIG = {"gaussian_copula": {}, "ctgan": {"epochs": 50}, "tvae": {"epochs": 50}}


@pytest.fixture(params=METHODS)
def method(request) -> str:
    return request.param


def fit_generate(method, data, discrete, n, config=None) -> pd.DataFrame:
    merged = {**FAST_CONFIG[method], **(config or {})}
    generator = SyntheticGenerator(method, config=merged, seed=0)
    generator.fit(data, discrete_columns=discrete, progress=False)
    out = generator.generate(n)
    assert list(out.columns) == list(data.columns)
    assert len(out) == n
    for column in data.columns:
        assert out[column].dtype == data[column].dtype, column
    return out


def test_discrete_column_with_nan(method) -> None:
    rng = np.random.default_rng(101)
    n = 400
    colour = rng.choice(["red", "green", "blue"], size=n, p=[0.5, 0.3, 0.2]).astype(
        object
    )
    colour[rng.random(n) < 0.2] = np.nan
    data = pd.DataFrame(
        {
            "colour": colour,
            "size": rng.integers(1, 6, size=n).astype("int64"),
            "weight": np.round(rng.normal(70, 8, size=n), 2),
        }
    )
    out = fit_generate(method, data, ["colour"], 500)
    assert set(out["colour"].dropna()) <= {"red", "green", "blue"}
    assert 0.05 <= out["colour"].isna().mean() <= 0.40
    assert out["size"].between(1, 5).all()


def test_integer_discrete_column_keeps_seen_values(method) -> None:
    rng = np.random.default_rng(202)
    n = 500
    data = pd.DataFrame(
        {
            "edu_level": rng.choice([1, 3, 5, 7, 9, 10, 13, 16], size=n).astype(
                "int64"
            ),
            "hours": rng.integers(20, 61, size=n).astype("int64"),
            "sector": rng.choice(["public", "private", "self"], size=n),
        }
    )
    out = fit_generate(method, data, ["edu_level", "sector"], 300)
    assert set(out["edu_level"]) <= set(data["edu_level"])


def test_all_discrete_with_nan_keeps_missing_shares(method) -> None:
    rng = np.random.default_rng(303)
    n = 300
    chord = rng.choice(["I", "IV", "V", "vi", "ii"], size=n).astype(object)
    chord[rng.random(n) < 0.4] = np.nan
    beat = rng.choice([1.0, 2.0, 3.0, 4.0], size=n)
    beat[rng.random(n) < 0.1] = np.nan
    data = pd.DataFrame(
        {"chord": chord, "beat": beat, "key": rng.choice(list("CGDF"), n)}
    )
    out = fit_generate(method, data, list(data.columns), 400)
    for column in data.columns:
        assert set(out[column].dropna()) <= set(data[column].dropna()), column
    assert 0.2 <= out["chord"].isna().mean() <= 0.6
    assert out["key"].notna().all()


def test_single_column_table(method) -> None:
    rng = np.random.default_rng(404)
    labels = ["alpha", "beta", "gamma", "delta", "eps"]
    data = pd.DataFrame(
        {"label": rng.choice(labels, 250, p=[0.4, 0.25, 0.15, 0.1, 0.1])}
    )
    out = fit_generate(method, data, ["label"], 200)
    assert set(out["label"]) <= set(labels)
    assert 0.2 <= (out["label"] == "alpha").mean() <= 0.6


def test_categorical_dtype_with_int_categories_stays_balanced(method) -> None:
    rng = np.random.default_rng(707)
    codes = rng.integers(0, 4, size=4000)
    data = pd.DataFrame({"grade": pd.Categorical(codes, categories=[0, 1, 2, 3])})
    out = fit_generate(method, data, ["grade"], 4000)
    shares = out["grade"].value_counts(normalize=True)
    assert all(0.17 <= shares[c] <= 0.33 for c in [0, 1, 2, 3])


def test_nullable_int64_comes_back_as_int64(method) -> None:
    rng = np.random.default_rng(808)
    n = 500
    age = pd.array(rng.integers(18, 80, size=n), dtype="Int64")
    age[rng.random(n) < 0.2] = pd.NA
    data = pd.DataFrame(
        {
            "team": rng.choice(["n", "s", "e", "w"], n),
            "age": age,
            "score": rng.normal(50, 10, n),
        }
    )
    out = fit_generate(method, data, ["team"], 600)
    assert 0.08 <= out["age"].isna().mean() <= 0.35
    assert out["age"].dropna().between(18, 79).all()


def test_tz_aware_datetime(method) -> None:
    rng = np.random.default_rng(909)
    n = 400
    base = pd.Timestamp("2023-01-01", tz="UTC")
    start = base + pd.to_timedelta(rng.integers(0, 365 * 24 * 3600, size=n), unit="s")
    data = pd.DataFrame(
        {
            "start": pd.Series(start).astype("datetime64[ns, UTC]"),
            "duration_h": np.round(rng.exponential(2.0, size=n), 2),
            "kind": rng.choice(["call", "chat"], size=n),
        }
    )
    out = fit_generate(method, data, ["kind"], 300)
    assert out["start"].notna().all()
    assert out["start"].between(data["start"].min(), data["start"].max()).all()


def test_bounds_of_positive_columns_hold(method) -> None:
    rng = np.random.default_rng(1111)
    n = 800
    packets = rng.poisson(0.7, size=n) * rng.integers(1, 40, size=n)
    data = pd.DataFrame(
        {
            "bytes": np.round(rng.lognormal(6.0, 1.5, size=n), 1),
            "packets": packets.astype("int64"),
            "loss_ratio": np.round(rng.beta(0.6, 8.0, size=n), 4),
            "proto": rng.choice(["tcp", "udp", "icmp"], size=n, p=[0.6, 0.35, 0.05]),
        }
    )
    out = fit_generate(method, data, ["proto"], 2000)
    for column in ["bytes", "packets", "loss_ratio"]:
        assert out[column].min() >= data[column].min(), column
        assert out[column].max() <= data[column].max(), column
    assert (out["bytes"] > 0).all()


def test_constant_columns_stay_constant(method) -> None:
    rng = np.random.default_rng(1212)
    n = 150
    data = pd.DataFrame(
        {
            "version": np.full(n, 7, dtype="int64"),
            "country": ["XX"] * n,
            "scale": np.full(n, 1.5),
            "value": np.round(rng.normal(10, 3, size=n), 3),
        }
    )
    out = fit_generate(method, data, ["country"], 100)
    assert (out["version"] == 7).all() and (out["country"] == "XX").all()
    assert (out["scale"] == 1.5).all()
    assert out["value"].nunique() > 10


def test_high_cardinality_discrete_column_is_bounded(method) -> None:
    rng = np.random.default_rng(1313)
    n = 20000
    data = pd.DataFrame(
        {
            "ticket_code": [f"T{i:06d}" for i in rng.permutation(n)],
            "channel": rng.choice(["web", "phone", "store"], size=n),
            "amount": np.round(rng.gamma(2.0, 30.0, size=n), 2),
        }
    )
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    config = None if method == "gaussian_copula" else {"epochs": 1}
    out = fit_generate(method, data, ["ticket_code", "channel"], 1000, config)
    grew_gib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024**2
    assert grew_gib < 1.5, f"peak memory grew {grew_gib:.2f} GiB"
    assert time.perf_counter() - started < 300
    assert set(out["ticket_code"]) <= set(data["ticket_code"])


def test_numeric_missing_share_and_spread(method) -> None:
    rng = np.random.default_rng(1616)
    n = 1000
    amount = np.round(rng.lognormal(9.0, 0.6, size=n), 0)
    amount[rng.random(n) < 0.3] = np.nan
    data = pd.DataFrame(
        {
            "loan_amount": amount,
            "term": rng.choice(["36m", "60m"], size=n, p=[0.7, 0.3]),
            "rate": np.round(rng.normal(11.0, 3.0, size=n).clip(3, 25), 2),
        }
    )
    out = fit_generate(method, data, ["term"], 1000)
    assert 0.15 <= out["loan_amount"].isna().mean() <= 0.45
    assert out["loan_amount"].std() >= 0.3 * data["loan_amount"].std()
    assert out["rate"].notna().all()


def test_undeclared_string_column_is_categorical(method) -> None:
    rng = np.random.default_rng(1717)
    n = 300
    cities = ["Avalon", "Brindle", "Corvo", "Dunmore", "Elstead"]
    data = pd.DataFrame(
        {
            "city": rng.choice(cities, size=n),
            "income": np.round(rng.normal(40000, 9000, size=n), 0),
            "age": rng.integers(18, 70, size=n).astype("int64"),
        }
    )
    out = fit_generate(method, data, [], 200)
    assert set(out["city"]) <= set(cities)


def test_tiny_table_has_no_invented_missing_values(method) -> None:
    rng = np.random.default_rng(1818)
    n = 70
    data = pd.DataFrame(
        {
            "plot": rng.choice(["A", "B", "C"], size=n),
            "crop": rng.choice(["wheat", "barley", "oats", "rye"], size=n),
            "yield_t": np.round(rng.normal(5.0, 1.0, size=n), 2),
            "workers": rng.integers(1, 12, size=n).astype("int64"),
            "organic": rng.choice(["yes", "no"], size=n),
        }
    )
    out = fit_generate(method, data, ["plot", "crop", "organic"], 500)
    for column in ["plot", "crop", "organic"]:
        assert set(out[column]) <= set(data[column]), column
    assert out.notna().all().all()
