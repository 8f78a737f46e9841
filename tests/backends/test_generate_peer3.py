"""Shapes of synthcity's, ydata-synthetic's and other tabular generators'
bug reports, met by CTGAN and TVAE through ``SyntheticGenerator``.

Each test names the report whose input it rebuilds in its own words; the
assertion is the behaviour we owe the user. What they check lives in the
shared data plane, so each runs on one backend: torch where it is
installed. In the session with jax alone, only the tests of the fix made
here run (jax compiles anew for every table shape, 10-17 s each).
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import warnings
from collections.abc import Hashable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from genesis import SyntheticGenerator
from tests.backends.conftest import BACKENDS, Backend
from tests.tables import SMALL_CONFIG, prepare

METHODS = pytest.mark.parametrize("method", ["ctgan", "tvae"])
# torch where installed, else jax (else torch, which then skips).
ONE_BACKEND = next(
    (name for name, module in BACKENDS.items() if importlib.util.find_spec(module)),
    "torch",
)
# The tests that also run where jax is the only backend.
ON_JAX_ALONE = {
    "test_a_flag_named_like_a_missing_flag_is_learned_apart",
    "test_a_number_named_like_an_offset_column_keeps_its_values",
}


@pytest.fixture(params=[ONE_BACKEND])
def backend(request: pytest.FixtureRequest) -> Backend:
    """The backends' fixture, narrowed to one backend (see the docstring)."""
    name = request.param
    if name == "jax" and request.node.originalname not in ON_JAX_ALONE:
        pytest.skip("data-plane behaviour, run on torch; jax compiles per shape")
    module = pytest.importorskip(BACKENDS[name])
    return Backend(name, module.CTGANGenerator, module.TVAEGenerator)


def _fitted(
    backend: Backend,
    method: str,
    frame: pd.DataFrame,
    discrete: list[Hashable] | None = None,
    **config: Any,
) -> SyntheticGenerator:
    generator = SyntheticGenerator(
        method,
        config={**SMALL_CONFIG[method], **config},
        backend=backend.name,
        device="cpu",
        seed=0,
    )
    with warnings.catch_warnings():
        # Warnings about the made-up tables' shapes are not the claim here.
        warnings.simplefilter("ignore")
        generator.fit(frame, discrete_columns=discrete, progress=False)
    return generator


def _orders(n: int = 300) -> pd.DataFrame:
    """Orders of two kinds, a count and a day: one table for the tests on
    generate's arguments, so that jax compiles its networks once."""
    rng = np.random.default_rng(9)
    return pd.DataFrame(
        {
            "kind": rng.choice(["a", "b"], n),
            "count": rng.integers(0, 9, n),
            "when": pd.Timestamp("2024-01-01")
            + pd.to_timedelta(rng.integers(0, 90, n), unit="D"),
        }
    )


def _price_and_flag(n: int = 400) -> pd.DataFrame:
    """A price missing in 30% of rows and a user's own flag named like the
    prepared column that records those missing rows."""
    rng = np.random.default_rng(0)
    price = np.round(rng.lognormal(3.0, 0.5, n), 2)
    price[rng.random(n) < 0.3] = np.nan
    return pd.DataFrame({"price": price, "price.missing": rng.random(n) < 0.7})


def _time_and_offset(n: int = 400) -> pd.DataFrame:
    """Times written as text with three UTC offsets, and a user's own number
    named like the prepared column that records those offsets."""
    rng = np.random.default_rng(1)
    offsets = ["+01:00", "-05:00", "Z"]
    times = [
        (dt.datetime(2024, 3, 1, 9) + dt.timedelta(minutes=int(k))).isoformat()
        + offsets[i % 3]
        for i, k in enumerate(rng.integers(0, 50_000, n))
    ]
    return pd.DataFrame({"t": times, "t.offset": rng.integers(0, 1000, n)})


# dataxid issue 189 (a dot in a column name broke the SDK's internal names)
# and RumbleDB pull request 1348 (internal columns collided with the user's):
# a column's missing flag and its UTC offsets are prepared under its name
# plus ".missing" or ".offset". A user column with such a name shared that
# key, so the two were learned as one: the flag came back as a copy (CTGAN)
# or the negation (TVAE) of the price's missing rows.
@pytest.mark.parametrize("frame", [_price_and_flag, _time_and_offset])
def test_columns_named_like_a_prepared_flag_get_their_own_key(frame) -> None:
    data = frame()
    _, prepared = prepare(data)
    assert len(set(prepared.keys)) == len(prepared.keys)
    for name in data.columns:
        assert any(column.source == name for column in prepared.columns)


@METHODS
def test_a_flag_named_like_a_missing_flag_is_learned_apart(
    backend: Backend, method: str
) -> None:
    data = _price_and_flag()
    synthetic = _fitted(backend, method, data, epochs=3).generate(400)
    assert list(synthetic.columns) == ["price", "price.missing"]
    assert synthetic["price.missing"].dtype == np.dtype(bool)
    flag = synthetic["price.missing"].to_numpy()
    missing = synthetic["price"].isna().to_numpy()
    # One array restored twice agrees in all 400 rows, or disagrees in all.
    assert (flag != missing).any() and (flag == missing).any()


@METHODS
def test_a_number_named_like_an_offset_column_keeps_its_values(
    backend: Backend, method: str
) -> None:
    data = _time_and_offset()
    synthetic = _fitted(backend, method, data).generate(300)
    assert synthetic["t.offset"].dtype == np.dtype("int64")
    assert synthetic["t.offset"].between(0, 999).all()
    ends = synthetic["t"].str.extract(r"(Z|[+-]\d\d:\d\d)$", expand=False)
    assert ends.notna().all()
    assert set(ends) <= {"+01:00", "-05:00", "Z"}


def test_fit_messages_name_the_user_column_not_its_prepared_key(
    backend: Backend, caplog: pytest.LogCaptureFixture
) -> None:
    # 'code.missing' and 'price.missing' are prepared as '...#2' beside the
    # missing flags of 'code' and 'price'; the dominant-column warning and
    # the fit-cost log name the user's columns.
    rng = np.random.default_rng(6)
    code = rng.normal(size=600)
    code[rng.random(600) < 0.2] = np.nan
    labels = np.array([f"c{i:03d}" for i in range(150)])
    data = _price_and_flag(600).assign(
        **{
            "price.missing": rng.normal(size=600),
            "code": code,
            "code.missing": rng.choice(labels, 600),
        }
    )
    generator = SyntheticGenerator(
        "tvae",
        config={**SMALL_CONFIG["tvae"], "epochs": 1},
        backend=backend.name,
        device="cpu",
        seed=0,
    )
    with (
        caplog.at_level("INFO", logger=f"genesis_{backend.name}"),
        pytest.warns(UserWarning, match="takes") as caught,
    ):
        generator.fit(data, progress=False)
    warned = [str(w.message) for w in caught if "takes" in str(w.message)]
    assert warned[0].startswith("Discrete column 'code.missing' takes")
    (modes,) = [
        r.getMessage() for r in caplog.records if "Modes kept" in r.getMessage()
    ]
    assert "'price.missing': " in modes and "#2" not in modes


# ydata-synthetic issue 348: several GANs returned a number of rows other
# than the one asked for, a multiple of the batch size.
@METHODS
def test_generate_gives_exactly_the_rows_asked_for(
    backend: Backend, method: str
) -> None:
    generator = _fitted(backend, method, _orders())
    for n in (1, 99, 101, 1001):
        assert len(generator.generate(n)) == n
        conditioned = generator.generate(n, {"kind": "b"})
        assert len(conditioned) == n
        assert (conditioned["kind"] == "b").all()


# SDV issue 2349, tdspora/syngen pull request 510 and the ctgan package's
# early README: integer columns came back as floats. Each integer width,
# unsigned ones past 2**63 and nullable ones, keeps its dtype and range.
@METHODS
def test_integer_columns_of_every_width_keep_dtype_and_range(
    backend: Backend, method: str
) -> None:
    rng = np.random.default_rng(3)
    n = 300
    counts = pd.array(rng.integers(0, 9, n), dtype="Int64")
    counts[rng.random(n) < 0.2] = pd.NA
    data = pd.DataFrame(
        {
            "tiny": rng.choice(np.array([-128, -3, 0, 127], dtype=np.int8), n),
            "byte": rng.integers(0, 256, n).astype(np.uint8),
            "medium": rng.integers(-(2**31), 2**31 - 1, n).astype(np.int32),
            "huge": rng.integers(0, 1000, n).astype(np.uint64) + np.uint64(2**63),
            "counts": counts,
        }
    )
    synthetic = _fitted(backend, method, data).generate(500)
    for name in data.columns:
        assert synthetic[name].dtype == data[name].dtype, name
        present = synthetic[name].dropna()
        assert present.min() >= data[name].min(), name
        assert present.max() <= data[name].max(), name
    assert 0 < synthetic["counts"].isna().mean() < 1


# dataxid issue 48 (a table of booleans alone came back as text with one
# value per column), SDV issue 875 (CTGAN learned one value of a boolean)
# and evidence issue 1504 (a boolean column with no values crashed).
@METHODS
def test_a_table_of_booleans_alone_keeps_dtype_and_both_values(
    backend: Backend, method: str
) -> None:
    rng = np.random.default_rng(4)
    data = pd.DataFrame({"paid": rng.random(400) < 0.3, "late": rng.random(400) < 0.6})
    synthetic = _fitted(backend, method, data).generate(500)
    for name in data.columns:
        assert synthetic[name].dtype == np.dtype(bool)
        assert set(synthetic[name]) == {True, False}, name


@METHODS
def test_boolean_dtypes_with_and_without_missing_values_come_back(
    backend: Backend, method: str
) -> None:
    rng = np.random.default_rng(5)
    n = 300
    nullable = pd.array(rng.random(n) < 0.5, dtype="boolean")
    nullable[rng.random(n) < 0.25] = pd.NA
    data = pd.DataFrame(
        {
            "nullable": nullable,
            "arrow": pd.array(rng.random(n) < 0.5, dtype="bool[pyarrow]"),
            "never_known": pd.array([pd.NA] * n, dtype="boolean"),
            "amount": rng.normal(size=n),
        }
    )
    synthetic = _fitted(backend, method, data).generate(400)
    for name in data.columns:
        assert synthetic[name].dtype == data[name].dtype, name
    assert set(synthetic["nullable"].dropna()) == {True, False}
    assert 0 < synthetic["nullable"].isna().mean() < 1
    assert synthetic["never_known"].isna().all()


# synthcity issue 116 (generate took no random state) and SDV issue 515 (no
# seed for CTGAN's sample): a seed given to generate fixes its rows whatever
# came before, in this process or in a saved copy.
@METHODS
def test_a_seeded_generate_repeats_after_other_calls_and_a_save(
    backend: Backend, method: str, tmp_path: Path
) -> None:
    data = _orders()
    generator = _fitted(backend, method, data)
    first = generator.generate(50, seed=7)
    generator.generate(123)
    assert generator.generate(50, seed=7).equals(first)
    generator.save(tmp_path / "model.genesis")
    loaded = SyntheticGenerator.load(tmp_path / "model.genesis", device="cpu")
    loaded.generate(9)
    assert loaded.generate(50, seed=7).equals(first)
    assert not generator.generate(50, seed=8).equals(first)


# dataxid issue 189 and SDMetrics pull request 343: column names with dots,
# spaces, quotes, other scripts, or that are not text at all.
@METHODS
def test_odd_column_names_survive_fit_conditions_and_a_save(
    backend: Backend, method: str, tmp_path: Path
) -> None:
    rng = np.random.default_rng(7)
    n = 300
    data = pd.DataFrame(
        {
            "home.dest": rng.choice(["north", "south"], n),
            "prix (€)": np.round(rng.lognormal(2.0, 0.3, n), 2),
            "客户 类型": rng.choice(["甲", "乙"], n),
            "it's": rng.integers(0, 5, n),
            ("year", 2024): rng.normal(size=n),
            7: rng.choice(["x", "y"], n),
        }
    )
    generator = _fitted(backend, method, data)
    generator.save(tmp_path / "model.genesis")
    loaded = SyntheticGenerator.load(tmp_path / "model.genesis", device="cpu")
    for model in (generator, loaded):
        synthetic = model.generate(
            20, {"客户 类型": "乙", "home.dest": "south", 7: "y"}
        )
        assert list(synthetic.columns) == list(data.columns)
        assert (synthetic["客户 类型"] == "乙").all()
        assert (synthetic["home.dest"] == "south").all()
        assert (synthetic[7] == "y").all()
        assert synthetic["prix (€)"].between(0, data["prix (€)"].max()).all()


# CTGAN issue 115: a table without any discrete column, where CTGAN has no
# conditional vector. Floats and integers alone fit and come back whole.
@METHODS
def test_a_table_of_numbers_alone_fits_and_keeps_its_integers(
    backend: Backend, method: str
) -> None:
    rng = np.random.default_rng(8)
    data = pd.DataFrame(
        {
            "weight": np.round(rng.normal(70, 8, 300), 1),
            "age": rng.integers(18, 90, 300),
            "visits": rng.poisson(2.0, 300),
        }
    )
    synthetic = _fitted(backend, method, data).generate(400)
    assert synthetic.notna().all().all()
    assert synthetic["age"].dtype == np.dtype("int64")
    assert synthetic["age"].between(18, 89).all()
    assert synthetic["visits"].min() >= 0
    # Rounded to the real column's one decimal place.
    assert np.allclose(synthetic["weight"], synthetic["weight"].round(1))


# SDV issue 83: asking for zero rows crashed the sampler. Zero rows with a
# condition are an empty frame of the real dtypes; one row meets it.
@METHODS
def test_zero_and_one_conditioned_rows(backend: Backend, method: str) -> None:
    data = _orders()
    generator = _fitted(backend, method, data)
    empty = generator.generate(0, {"kind": "b", "count": (2, 5)})
    assert len(empty) == 0
    assert empty.dtypes.equals(data.dtypes)
    one = generator.generate(1, {"kind": "b", "count": (2, 5)})
    assert len(one) == 1
    assert one["kind"].iloc[0] == "b" and 2 <= one["count"].iloc[0] <= 5
    assert one.dtypes.equals(data.dtypes)


# metasyn issue 270: a boolean column came back as integers; the same kind
# for pandas' other extension dtypes, which CTGAN and TVAE must give back.
@METHODS
def test_extension_dtypes_come_back_as_given(backend: Backend, method: str) -> None:
    rng = np.random.default_rng(10)
    n = 300
    amounts = pd.array(np.round(rng.normal(5, 1, n), 2), dtype="Float64")
    amounts[rng.random(n) < 0.2] = pd.NA
    data = pd.DataFrame(
        {
            "label": pd.array(rng.choice(["p", "q"], n), dtype="string[pyarrow]"),
            "count": pd.array(rng.integers(0, 9, n), dtype="int64[pyarrow]"),
            "amount": amounts,
            "grade": pd.Categorical(
                rng.choice(["low", "high"], n),
                categories=["low", "mid", "high"],
                ordered=True,
            ),
        }
    )
    synthetic = _fitted(backend, method, data).generate(300)
    for name in data.columns:
        assert synthetic[name].dtype == data[name].dtype, name
    assert set(synthetic["grade"].dropna()) <= {"low", "high"}
    assert 0 < synthetic["amount"].isna().mean() < 1
