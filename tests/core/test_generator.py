"""SyntheticGenerator's contract: dtypes, seeds, save/load and bad input."""

from __future__ import annotations

import datetime as dt
import decimal
import importlib.util
import json
import re
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from genesis import (
    InvalidConfigError,
    InvalidDataError,
    ModelFileError,
    NotFittedError,
    SyntheticGenerator,
    TableMetadata,
)
from genesis._io import FORMAT_VERSION
from genesis.errors import ConditionNotMetError


def every_kind_frame(n: int = 300, seed: int = 0) -> pd.DataFrame:
    """One column of every column type and dtype, most with missing values."""
    rng = np.random.default_rng(seed)
    holes = lambda share: rng.random(n) < share  # noqa: E731
    return pd.DataFrame(
        {
            "float": np.where(holes(0.2), np.nan, rng.normal(10, 2, n).round(2)),
            "int": rng.integers(0, 100, n),
            "nullable_int": pd.array(
                np.where(holes(0.2), None, rng.integers(18, 80, n)), dtype="Int64"
            ),
            "nullable_float": pd.array(
                np.where(holes(0.1), None, rng.gamma(2, 3, n)), dtype="Float64"
            ),
            "bool": rng.random(n) < 0.3,
            "nullable_bool": pd.array(
                np.where(holes(0.15), None, rng.random(n) < 0.5), dtype="boolean"
            ),
            "category": pd.Categorical(
                rng.choice(["low", "mid", "high", None], n),
                categories=["low", "mid", "high"],
            ),
            "text": pd.Series(rng.choice(["red", "green", "blue", None], n)),
            "object": pd.Series(list(rng.choice(["a", "b", "c"], n)), dtype=object),
            "date": pd.Series(
                pd.Timestamp("2021-01-01")
                + pd.to_timedelta(rng.integers(0, 365, n), "D")
            ).where(~holes(0.1)),
            "date_tz": pd.Series(
                pd.Timestamp("2022-03-01", tz="America/New_York")
                + pd.to_timedelta(rng.integers(0, 10**6, n), "s")
            ),
            "row_id": np.arange(1, n + 1),
        }
    )


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return every_kind_frame()


@pytest.fixture(scope="module")
def fitted(frame: pd.DataFrame) -> SyntheticGenerator:
    return SyntheticGenerator("gaussian_copula", seed=7).fit(frame, progress=False)


def test_output_keeps_columns_order_and_dtypes(frame, fitted) -> None:
    out = fitted.generate(500)
    assert list(out.columns) == list(frame.columns)
    for column in frame.columns:
        assert out[column].dtype == frame[column].dtype, column


def test_missing_rates_are_kept(frame, fitted) -> None:
    out = fitted.generate(4000)
    for column in frame.columns:
        real = frame[column].isna().mean()
        assert abs(out[column].isna().mean() - real) < 0.05, column


def test_values_stay_in_what_was_seen(frame, fitted) -> None:
    out = fitted.generate(2000)
    for column in ["text", "object", "category"]:
        assert set(out[column].dropna()) <= set(frame[column].dropna()), column
    assert out["int"].between(frame["int"].min(), frame["int"].max()).all()
    assert (out["float"].dropna() == out["float"].dropna().round(2)).all()
    dates = out["date"].dropna()
    assert dates.between(frame["date"].min(), frame["date"].max()).all()
    assert (dates == dates.dt.normalize()).all(), "day-resolution dates gained a time"
    assert str(out["date_tz"].dt.tz) == "America/New_York"


def test_identifier_is_fresh_and_unique(fitted) -> None:
    out = fitted.generate(1000)
    assert out["row_id"].is_unique


def test_identifiers_number_on_across_calls_and_rejection_rounds(
    tmp_path: Path,
) -> None:
    # Each call started again from the first real key, so two calls put
    # together repeated every key (SDV issue 63); rows kept from several
    # rounds of rejection repeated them inside one call (SDV issue 331).
    rng = np.random.default_rng(0)
    real = pd.DataFrame(
        {
            "order_id": np.arange(500, 800),
            "code": [f"T{n:05d}" for n in range(300)],
            "spend": rng.normal(size=300),
        }
    )
    generator = SyntheticGenerator("gaussian_copula", seed=0).fit(real)

    parts = [
        generator.generate(40),
        generator.generate(30, seed=1),
        # Tail rows: about 2% meet it, so many rounds are needed.
        generator.generate(60, conditions={"spend": (1.9, 9.0)}),
        *generator.iter_batches(20, 7),
    ]
    generator.generate_to(tmp_path / "more.csv", 10)
    parts.append(pd.read_csv(tmp_path / "more.csv"))
    rows = pd.concat(parts, ignore_index=True)

    assert len(rows) == 160
    assert rows["order_id"].tolist() == list(range(500, 660))
    assert rows["code"].tolist() == [f"T{n:05d}" for n in range(160)]
    # A saved generator numbers on where it stopped.
    generator.save(tmp_path / "model.genesis")
    loaded = SyntheticGenerator.load(tmp_path / "model.genesis")
    assert loaded.generate(3)["order_id"].tolist() == [660, 661, 662]


def test_numpy_integer_seeds_are_seeds(frame) -> None:
    # Seeds from np.arange or a grid search were refused as "must be an
    # integer" (helper's backend round).
    plain = SyntheticGenerator("gaussian_copula", seed=3).fit(frame, progress=False)
    numpy = SyntheticGenerator("gaussian_copula", seed=np.int64(3))
    numpy.fit(frame, progress=False)
    pd.testing.assert_frame_equal(
        plain.generate(50, seed=7).drop(columns="row_id"),
        numpy.generate(50, seed=np.uint32(7)).drop(columns="row_id"),
    )
    assert len(list(numpy.iter_batches(20, seed=np.int32(1)))) == 1


@pytest.mark.parametrize("seed", [-1, 2.0, "3", True])
def test_a_seed_that_is_not_a_whole_number_of_0_or_more_is_refused(
    fitted, seed: object
) -> None:
    # A negative seed failed inside numpy with a raw ValueError.
    message = re.escape(f"seed must be an integer of 0 or more, or None; got {seed!r}")
    with pytest.raises(InvalidConfigError, match=message):
        SyntheticGenerator("gaussian_copula", seed=seed)
    with pytest.raises(InvalidConfigError, match="seed must be an integer of 0"):
        fitted.generate(5, seed=seed)
    with pytest.raises(InvalidConfigError, match="seed must be an integer of 0"):
        fitted.iter_batches(5, seed=seed)


def test_same_seed_same_rows(frame) -> None:
    first = SyntheticGenerator("gaussian_copula", seed=3).fit(frame, progress=False)
    second = SyntheticGenerator("gaussian_copula", seed=3).fit(frame, progress=False)
    pd.testing.assert_frame_equal(first.generate(200), second.generate(200))
    pd.testing.assert_frame_equal(
        first.generate(50, seed=11), second.generate(50, seed=11)
    )


def test_different_seeds_differ(frame) -> None:
    first = SyntheticGenerator("gaussian_copula", seed=1).fit(frame, progress=False)
    second = SyntheticGenerator("gaussian_copula", seed=2).fit(frame, progress=False)
    assert not first.generate(100).equals(second.generate(100))


def test_save_load_gives_identical_rows(frame, tmp_path: Path) -> None:
    generator = SyntheticGenerator("gaussian_copula", seed=5).fit(frame, progress=False)
    path = tmp_path / "model.genesis"
    generator.save(path)
    loaded = SyntheticGenerator.load(path)
    pd.testing.assert_frame_equal(generator.generate(300), loaded.generate(300))
    pd.testing.assert_frame_equal(
        generator.generate(20, seed=9), loaded.generate(20, seed=9)
    )
    assert loaded.metadata_ == generator.metadata_


def test_an_unseeded_model_draws_afresh_after_each_load(frame, tmp_path: Path) -> None:
    # Before, every load started from the stream saved in the file, so every
    # `genesis generate` run of an unseeded model wrote the same rows.
    path = tmp_path / "model.genesis"
    SyntheticGenerator("gaussian_copula").fit(frame, progress=False).save(path)
    first = SyntheticGenerator.load(path).generate(50)
    second = SyntheticGenerator.load(path).generate(50)
    assert not first.equals(second)
    # A seed given to generate still repeats.
    pd.testing.assert_frame_equal(
        SyntheticGenerator.load(path).generate(50, seed=4),
        SyntheticGenerator.load(path).generate(50, seed=4),
    )


def test_saved_file_holds_no_pickle(fitted, tmp_path: Path) -> None:
    path = tmp_path / "model.genesis"
    fitted.save(path)
    raw = path.read_bytes()
    header = json.loads(raw[8 : 8 + int.from_bytes(raw[:8], "little")])
    assert header["__metadata__"]["genesis_format"] == str(FORMAT_VERSION)
    assert b"\x80\x04\x95" not in raw and b"\x80\x05\x95" not in raw


def test_interrupted_save_keeps_previous_file(
    fitted, tmp_path: Path, monkeypatch
) -> None:
    path = tmp_path / "model.genesis"
    fitted.save(path)
    before = path.read_bytes()

    def fail(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("genesis._io.save_file", fail)
    with pytest.raises(KeyboardInterrupt):
        fitted.save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.genesis"]


def test_generate_zero_rows_gives_typed_empty_frame(frame, fitted) -> None:
    out = fitted.generate(0)
    assert len(out) == 0
    assert list(out.columns) == list(frame.columns)
    for column in frame.columns:
        assert out[column].dtype == frame[column].dtype, column


def test_conditions_on_discrete_and_range(fitted) -> None:
    out = fitted.generate(200, conditions={"text": "red", "int": (10, 40)})
    assert len(out) == 200
    assert (out["text"] == "red").all()
    assert out["int"].between(10, 40).all()


def test_impossible_condition_is_a_clear_error(fitted) -> None:
    with pytest.raises(InvalidDataError, match="never seen"):
        fitted.generate(10, conditions={"text": "purple"})
    # No value of two decimals lies between these bounds.
    with pytest.raises(ConditionNotMetError, match="met the conditions"):
        fitted.generate(10, conditions={"float": (5.0001, 5.0009)})


def test_a_range_outside_every_value_seen_is_refused_at_once(fitted) -> None:
    # Generated values stay within the range seen; before, the rejection
    # rounds drew thousands of rows before saying the condition was rare.
    with pytest.raises(InvalidDataError, match=r"'float'.*ran from 2\.2 to 14\.22"):
        fitted.generate(10, conditions={"float": (1000.0, 2000.0)})


# -- bad input: a clear error naming the column, before any fitting ----------


@pytest.mark.parametrize(
    ("data", "discrete", "match"),
    [
        (pd.DataFrame(), [], "no columns"),
        (pd.DataFrame({"a": pd.Series([], dtype=float)}), [], "no rows"),
        (pd.DataFrame({"a": [1.0, 2.0]}), ["b"], r"discrete_columns lists \['b'\]"),
        (
            pd.DataFrame([[1, 2]], columns=["a", "a"]),
            [],
            r"duplicate column names \['a'\]",
        ),
        (pd.DataFrame({"x": [1.0, np.inf, 2.0]}), [], "Column 'x' holds 1 infinite"),
        ([[1, 2]], [], "expects a pandas DataFrame"),
    ],
)
def test_bad_training_data(data, discrete, match, tmp_path: Path) -> None:
    generator = SyntheticGenerator("gaussian_copula")
    with pytest.raises(InvalidDataError, match=match):
        generator.fit(data, discrete_columns=discrete)
    with pytest.raises(NotFittedError):
        generator.generate(1)


@pytest.mark.parametrize(
    ("cells", "kind"),
    [
        ([["a", "b"], ["c"]], "list"),
        ([{"a": 1}, {"b": 2}], "dict"),
        ([{"a"}, {"b", "c"}], "set"),
        ([np.array([1, 2]), np.array([3])], "ndarray"),
    ],
)
def test_a_column_of_unhashable_values_is_refused_naming_it(cells, kind) -> None:
    data = pd.DataFrame(
        {"tags": pd.Series(cells * 100, dtype=object), "x": np.arange(200.0)}
    )
    generator = SyntheticGenerator("gaussian_copula", seed=0)
    with pytest.raises(InvalidDataError, match=rf"Column 'tags' holds {kind} values"):
        generator.fit(data, progress=False)


def test_unhashable_values_are_refused_with_metadata_given_too() -> None:
    data = pd.DataFrame({"tags": pd.Series([["a"], "b"] * 20, dtype=object)})
    metadata = TableMetadata.infer(pd.DataFrame({"tags": ["a", "b"] * 20}))
    generator = SyntheticGenerator("gaussian_copula", seed=0)
    with pytest.raises(InvalidDataError, match="Column 'tags' holds list values"):
        generator.fit(data, metadata=metadata, progress=False)


def test_discrete_columns_none_means_none_named() -> None:
    data = pd.DataFrame({"x": np.arange(200.0), "c": ["a", "b"] * 100})
    named_none = SyntheticGenerator("gaussian_copula", seed=0)
    named_none.fit(data, discrete_columns=None, progress=False)
    omitted = SyntheticGenerator("gaussian_copula", seed=0)
    omitted.fit(data, progress=False)

    assert named_none.metadata_ == omitted.metadata_
    pd.testing.assert_frame_equal(named_none.generate(50), omitted.generate(50))


def test_discrete_columns_that_is_not_a_list_of_names_is_refused() -> None:
    data = pd.DataFrame({"x": np.arange(20.0)})
    generator = SyntheticGenerator("gaussian_copula", seed=0)
    with pytest.raises(InvalidDataError, match=r"discrete_columns .*got int"):
        generator.fit(data, discrete_columns=3, progress=False)


NO_NEURAL_BACKEND = not any(
    importlib.util.find_spec(name) for name in ("genesis_torch", "genesis_jax")
)


@pytest.mark.parametrize(
    "method",
    [
        "gaussian_copula",
        *(
            pytest.param(
                method,
                marks=pytest.mark.skipif(
                    NO_NEURAL_BACKEND, reason="needs genesis-torch or genesis-jax"
                ),
            )
            for method in ("ctgan", "tvae")
        ),
    ],
)
@pytest.mark.parametrize("huge", [1.7e308, -1e200, 1.5e100])
def test_a_number_too_large_to_square_is_refused_before_training(
    method: str, huge: float
) -> None:
    rng = np.random.default_rng(5)
    data = pd.DataFrame(
        {"h": np.r_[rng.normal(size=299), huge], "x": rng.normal(size=300)}
    )
    generator = SyntheticGenerator(method, seed=0)
    # Overflow warnings would mean the value reached the arithmetic.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        message = rf"Column 'h' holds .*most extreme is {re.escape(f'{huge:.1e}')}"
        with pytest.raises(InvalidDataError, match=message):
            generator.fit(data, progress=False)
    with pytest.raises(NotFittedError):
        generator.generate(1)


def test_a_large_number_below_the_limit_is_modelled_without_warnings() -> None:
    rng = np.random.default_rng(5)
    data = pd.DataFrame({"h": np.r_[rng.normal(size=299), 1e99]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        generator = SyntheticGenerator("gaussian_copula", seed=0)
        synthetic = generator.fit(data, progress=False).generate(2000)["h"]
    assert np.isfinite(synthetic).all() and synthetic.max() <= 1e99


def test_a_huge_value_in_a_discrete_column_is_a_category() -> None:
    data = pd.DataFrame({"level": [1.7e308, 1.0, 2.0] * 20})
    generator = SyntheticGenerator("gaussian_copula", seed=0)
    generator.fit(data, discrete_columns=["level"], progress=False)
    assert set(generator.generate(300)["level"]) == {1.7e308, 1.0, 2.0}


def test_negative_and_non_integer_row_counts(fitted) -> None:
    with pytest.raises(InvalidDataError, match="zero or more, got -1"):
        fitted.generate(-1)
    with pytest.raises(InvalidDataError, match="must be an integer"):
        fitted.generate(2.5)
    # 10**20 passes int64: before, streaming started writing.
    with pytest.raises(InvalidDataError, match="at most 9,223,372,036,854,775,807"):
        fitted.generate(10**20)


def test_rows_beyond_memory_point_to_streaming(fitted) -> None:
    # numpy's raw "Unable to allocate 87.3 TiB" came from inside the copula.
    with pytest.raises(MemoryError, match=r"1,000,000,000,000 rows.*generate_to"):
        fitted.generate(10**12)


def test_generate_and_save_before_fit() -> None:
    generator = SyntheticGenerator("gaussian_copula")
    with pytest.raises(NotFittedError, match="call fit"):
        generator.generate(10)
    with pytest.raises(NotFittedError):
        generator.save("never-written.genesis")
    assert not Path("never-written.genesis").exists()


def test_unknown_config_key_lists_valid_keys() -> None:
    with pytest.raises(InvalidConfigError, match="default_distribution"):
        SyntheticGenerator("gaussian_copula", config={"epochs": 3})


def test_wrong_config_type_is_refused() -> None:
    with pytest.raises(InvalidConfigError, match="must be str"):
        SyntheticGenerator("gaussian_copula", config={"default_distribution": 3})


def _rewrite_format(path: Path, version: str) -> None:
    raw = path.read_bytes()
    size = int.from_bytes(raw[:8], "little")
    header = raw[8 : 8 + size].replace(
        f'"genesis_format":"{FORMAT_VERSION}"'.encode(),
        f'"genesis_format":"{version}"'.encode(),
    )
    assert len(header) == size
    path.write_bytes(raw[:8] + header + raw[8 + size :])


def test_model_file_from_newer_format_is_refused(fitted, tmp_path: Path) -> None:
    path = tmp_path / "model.genesis"
    fitted.save(path)
    _rewrite_format(path, "9")
    with pytest.raises(
        ModelFileError, match=r"format version 9.*reads versions 1 to .*upgrade"
    ):
        SyntheticGenerator.load(path)


def test_truncated_model_file_is_refused(fitted, tmp_path: Path) -> None:
    path = tmp_path / "model.genesis"
    fitted.save(path)
    path.write_bytes(path.read_bytes()[:-40])
    with pytest.raises(ModelFileError, match="truncated or corrupted"):
        SyntheticGenerator.load(path)


def test_missing_model_file(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match="No model file"):
        SyntheticGenerator.load(tmp_path / "absent.genesis")


# -- odd but valid input -------------------------------------------------------


def test_constant_column_stays_constant() -> None:
    data = pd.DataFrame({"k": [4] * 50, "v": np.linspace(0, 1, 50)})
    out = (
        SyntheticGenerator("gaussian_copula", seed=0)
        .fit(data, progress=False)
        .generate(30)
    )
    assert (out["k"] == 4).all() and out["k"].dtype == np.int64


def test_all_missing_column_is_kept_missing_with_warning() -> None:
    data = pd.DataFrame({"empty": [np.nan] * 40, "v": np.arange(40.0)})
    with pytest.warns(UserWarning, match="'empty' is missing in every row"):
        generator = SyntheticGenerator("gaussian_copula", seed=0).fit(
            data, progress=False
        )
    out = generator.generate(25)
    assert out["empty"].isna().all() and out["empty"].dtype == np.float64


def test_mixed_type_object_column_keeps_original_values() -> None:
    values = [1, "two", 3.5, "two", 1, None] * 10
    data = pd.DataFrame(
        {"mixed": pd.Series(values, dtype=object), "v": np.arange(60.0)}
    )
    with pytest.warns(UserWarning, match="'mixed' mixes value types"):
        generator = SyntheticGenerator("gaussian_copula", seed=0).fit(
            data, progress=False
        )
    out = generator.generate(300)
    seen = {repr(v) for v in out["mixed"].dropna()}
    assert seen <= {"1", "'two'", "3.5"}
    assert {type(v) for v in out["mixed"].dropna()} == {int, str, float}


@pytest.mark.parametrize(
    ("marker", "same"),
    [
        (np.nan, lambda v: isinstance(v, float) and np.isnan(v)),
        (None, lambda v: v is None),
        (pd.NA, lambda v: v is pd.NA),
    ],
    ids=["nan", "none", "pd.NA"],
)
def test_object_column_missing_cells_keep_their_marker(
    marker, same, tmp_path: Path
) -> None:
    # Cities with gaps written as the user wrote them; a constant object
    # column with gaps and an all-missing one take the same path.
    data = pd.DataFrame(
        {
            "city": pd.Series(["a", "b", marker, "c"] * 25, dtype=object),
            "flag": pd.Series(["y", marker] * 50, dtype=object),
            "blank": pd.Series([marker] * 100, dtype=object),
            "v": np.arange(100.0),
        }
    )
    with pytest.warns(UserWarning, match="'blank' is missing in every row"):
        generator = SyntheticGenerator("gaussian_copula", seed=0).fit(
            data, progress=False
        )
    generator.save(tmp_path / "m.genesis")
    for model in (generator, SyntheticGenerator.load(tmp_path / "m.genesis")):
        out = model.generate(400)
        for column in ("city", "flag", "blank"):
            gaps = out[column][out[column].isna()]
            assert len(gaps) > 0, column
            assert all(same(v) for v in gaps), (column, set(map(repr, gaps)))


def test_single_row_table() -> None:
    data = pd.DataFrame({"a": [3.5], "b": ["x"], "c": [7]})
    out = (
        SyntheticGenerator("gaussian_copula", seed=0)
        .fit(data, progress=False)
        .generate(5)
    )
    assert out["a"].tolist() == [3.5] * 5 and out["b"].tolist() == ["x"] * 5


def test_integer_column_labels_are_kept() -> None:
    rng = np.random.default_rng(0)
    data = pd.DataFrame({i: rng.integers(0, 10, 80) for i in (1, 2, 3)})
    out = (
        SyntheticGenerator("gaussian_copula", seed=0)
        .fit(data, progress=False)
        .generate(10)
    )
    assert list(out.columns) == [1, 2, 3]
    assert all(type(c) is int for c in out.columns)


def test_user_can_override_metadata(frame) -> None:
    from genesis import TableMetadata

    metadata = TableMetadata.infer(frame)
    metadata.update_column("int", "categorical")
    generator = SyntheticGenerator("gaussian_copula", seed=0)
    generator.fit(frame, metadata=metadata, progress=False)
    assert generator.metadata_["int"].column_type == "categorical"
    assert set(generator.generate(500)["int"]) <= set(frame["int"])


def test_warnings_do_not_fire_on_clean_data() -> None:
    data = pd.DataFrame({"a": np.arange(50.0), "b": ["x", "y"] * 25})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        SyntheticGenerator("gaussian_copula", seed=0).fit(data, progress=False)


def test_rounding_never_leaves_the_observed_range() -> None:
    rng = np.random.default_rng(4)
    values = np.round(rng.normal(1, 0.3, 6000), 3)
    values[-1] = 0.40620619  # more decimals than the rest, and the minimum
    data = pd.DataFrame({"x": values})
    out = SyntheticGenerator("gaussian_copula", seed=0).fit(data, progress=False)
    synthetic = out.generate(5000)["x"]
    assert synthetic.min() >= values.min() and synthetic.max() <= values.max()


def test_whole_days_stay_whole_in_a_daylight_saving_zone() -> None:
    days = pd.date_range("2023-01-01", periods=365, freq="D", tz="Europe/Paris")
    data = pd.DataFrame({"day": days, "v": np.arange(365.0)})
    out = SyntheticGenerator("gaussian_copula", seed=0).fit(data, progress=False)
    synthetic = out.generate(2000)["day"]
    assert str(synthetic.dt.tz) == "Europe/Paris"
    assert (synthetic.dt.hour == 0).all() and (synthetic.dt.minute == 0).all()


# -- values of every type survive save and load ---------------------------------

_ROWS = 60
_PARIS = "Europe/Paris"
_UTC_PLUS_5 = dt.timezone(dt.timedelta(hours=5))


def _cycle(values: list, dtype: object = object) -> pd.Series:
    """``_ROWS`` values cycling through ``values``, with the given dtype."""
    return pd.Series([values[i % len(values)] for i in range(_ROWS)], dtype=dtype)


def _intervals(closed: str, breaks: list) -> pd.Series:
    array = pd.arrays.IntervalArray.from_breaks(breaks, closed=closed)
    return pd.Series(array.take([i % (len(breaks) - 1) for i in range(_ROWS)]))


_VALUE_COLUMNS: dict[str, Callable[[], pd.Series]] = {
    "interval_cut": lambda: pd.Series(
        pd.cut(np.arange(_ROWS) * 1.9, [0, 30, 50, 70, 120], include_lowest=True)
    ),
    "interval_right": lambda: _intervals("right", [0, 1, 2, 3]),
    "interval_left": lambda: _intervals("left", [0.0, 0.5, 2.5]),
    "interval_both": lambda: _intervals("both", [-5, 0, 5]),
    "interval_neither": lambda: _intervals("neither", [1, 10, 100]),
    "interval_datetime": lambda: _intervals(
        "left", list(pd.date_range("2020-01-01", periods=4, freq="MS"))
    ),
    "interval_tz_object": lambda: _cycle(
        [
            pd.Interval(
                pd.Timestamp("2020", tz=_PARIS), pd.Timestamp("2021", tz=_PARIS)
            ),
            pd.Interval(pd.Timedelta(0), pd.Timedelta("1h"), closed="both"),
        ]
    ),
    "period_month": lambda: _cycle(
        list(pd.period_range("2020-01", periods=5, freq="M"))
    ),
    "period_quarter": lambda: _cycle(
        list(pd.period_range("2020Q1", periods=3, freq="Q"))
    ),
    "period_week": lambda: _cycle(
        list(pd.period_range("2020-01-06", periods=3, freq="W-SUN"))
    ),
    "period_two_hours": lambda: _cycle(
        list(pd.period_range("2020-01-01 10:00", periods=3, freq="2h"))
    ),
    "period_mixed_object": lambda: _cycle(
        [pd.Period("2020-05-05", "D"), pd.Period("2021", "Y")]
    ),
    "timestamp_naive_object": lambda: _cycle(
        [pd.Timestamp("2021-03-04 05:06:07.123456789"), pd.Timestamp("1999-12-31")]
    ),
    "timestamp_tz_object": lambda: _cycle(
        [
            pd.Timestamp("2021-10-31 12:30", tz=_PARIS),
            pd.Timestamp("2020-01-01", tz="UTC").as_unit("s"),
            pd.Timestamp("2020-06-01", tz=_UTC_PLUS_5),
        ]
    ),
    "timestamp_tz_discrete": lambda: _cycle(
        list(pd.date_range("2020-03-28", periods=3, freq="D", tz=_PARIS)), None
    ),
    "timedelta_object": lambda: _cycle(
        [pd.Timedelta("1 day 3ns"), pd.Timedelta(seconds=3).as_unit("s")]
    ),
    "date": lambda: _cycle([dt.date(2020, 1, 2), dt.date(1999, 12, 31)]),
    "datetime": lambda: _cycle(
        [
            dt.datetime(2020, 1, 2, 3, 4, 5, 6),
            dt.datetime(2020, 1, 2, tzinfo=_UTC_PLUS_5),
            dt.datetime(2021, 10, 31, 2, 30, fold=1, tzinfo=dt.UTC),
        ]
    ),
    "time": lambda: _cycle([dt.time(1, 2, 3, 4), dt.time(23, 59, tzinfo=dt.UTC)]),
    "decimal": lambda: _cycle(
        [decimal.Decimal("1.10"), decimal.Decimal("-0"), decimal.Decimal("1E+3")]
    ),
    "bytes": lambda: _cycle([b"\x00\xff", b"abc", b""]),
    "numpy_scalars": lambda: _cycle(
        [
            np.int8(-3),
            np.uint64(2**64 - 1),
            np.float32(1.25),
            np.float16(0.1),
            np.bool_(True),
            np.str_("s"),
            np.datetime64("2020-01-01T00:00:00.123", "ms"),
            np.complex64(1 + 2j),
        ]
    ),
    "bool": lambda: _cycle([True, False], bool),
    "big_int": lambda: _cycle([2**70, -(2**80), 5]),
    "float_special": lambda: _cycle([float("inf"), -float("inf"), 1.5, float("nan")]),
    "missing_markers": lambda: _cycle(["a", None, "b", pd.NA, pd.NaT]),
    "text_and_tuples": lambda: _cycle(["x", (1, "a"), 7, 2.5]),
}


@pytest.mark.parametrize("kind", list(_VALUE_COLUMNS))
def test_loaded_model_generates_values_of_every_type_exactly(
    kind: str, tmp_path: Path
) -> None:
    column = _VALUE_COLUMNS[kind]()
    data = pd.DataFrame({"v": column, "x": np.linspace(0.0, 1.0, _ROWS)})
    with warnings.catch_warnings():
        # Columns that mix value types warn at fit; the claim here is save/load.
        warnings.simplefilter("ignore", UserWarning)
        generator = SyntheticGenerator("gaussian_copula", seed=3).fit(
            data, discrete_columns=["v"], progress=False
        )
    generator.save(tmp_path / "m.genesis")
    loaded = SyntheticGenerator.load(tmp_path / "m.genesis")

    before = generator.generate(80, seed=11)
    after = loaded.generate(80, seed=11)
    pd.testing.assert_frame_equal(before, after)
    # assert_frame_equal compares with ==, under which Decimal("1.10") equals
    # Decimal("1.1") and 1 equals True; repr and type tell them apart.
    assert [(type(v), repr(v)) for v in after["v"]] == [
        (type(v), repr(v)) for v in before["v"]
    ]


class _Colour:
    """A user's own class: only pickle could bring its instances back."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Colour) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self.name)


def test_save_refuses_a_type_it_cannot_store_and_writes_nothing(
    tmp_path: Path,
) -> None:
    colours = _cycle([_Colour("red"), _Colour("blue")])
    data = pd.DataFrame({"paint": colours, "x": np.linspace(0.0, 1.0, _ROWS)})
    generator = SyntheticGenerator("gaussian_copula", seed=0).fit(data, progress=False)

    with pytest.raises(ModelFileError, match=r"Column 'paint' holds .*_Colour"):
        generator.save(tmp_path / "m.genesis")
    assert list(tmp_path.iterdir()) == []


def _write_version_1(path: Path, generator: SyntheticGenerator, edit=None) -> None:
    """Write ``generator`` as a file of model format 1 would hold it."""
    from safetensors.numpy import save_file

    arrays, document = generator._get_state()
    if edit is not None:
        edit(document)
    header = {"genesis_format": "1", "genesis_json": json.dumps(document)}
    save_file(arrays, str(path), metadata=header)


def test_version_1_file_loads_as_before(frame, fitted, tmp_path: Path) -> None:
    path = tmp_path / "old.genesis"
    _write_version_1(path, fitted)
    loaded = SyntheticGenerator.load(path)
    pd.testing.assert_frame_equal(
        fitted.generate(50, seed=2), loaded.generate(50, seed=2)
    )


def test_version_1_file_with_a_value_stored_as_text_is_refused(
    tmp_path: Path,
) -> None:
    data = pd.DataFrame(
        {"band": pd.cut(np.arange(_ROWS), [-1, 30, 60]), "x": np.arange(_ROWS) * 1.0}
    )
    generator = SyntheticGenerator("gaussian_copula", seed=0).fit(data, progress=False)

    def as_written_by_version_1(document: dict) -> None:
        plan = document["preparer"]["plans"][0]
        plan["categories"][0] = ["repr", "Interval(-1, 30, closed='right')"]

    path = tmp_path / "old.genesis"
    _write_version_1(path, generator, as_written_by_version_1)
    with pytest.raises(ModelFileError, match=r"old\.genesis.*printed text.*again"):
        SyntheticGenerator.load(path)
