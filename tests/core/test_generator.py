"""SyntheticGenerator's contract: dtypes, seeds, save/load and bad input."""

from __future__ import annotations

import json
import warnings
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
)
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


def test_saved_file_holds_no_pickle(fitted, tmp_path: Path) -> None:
    path = tmp_path / "model.genesis"
    fitted.save(path)
    raw = path.read_bytes()
    header = json.loads(raw[8 : 8 + int.from_bytes(raw[:8], "little")])
    assert header["__metadata__"]["genesis_format"] == "1"
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
    with pytest.raises(ConditionNotMetError, match="met the conditions"):
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


def test_negative_and_non_integer_row_counts(fitted) -> None:
    with pytest.raises(InvalidDataError, match="zero or more, got -1"):
        fitted.generate(-1)
    with pytest.raises(InvalidDataError, match="must be an integer"):
        fitted.generate(2.5)


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
        b'"genesis_format":"1"', f'"genesis_format":"{version}"'.encode()
    )
    assert len(header) == size
    path.write_bytes(raw[:8] + header + raw[8 + size :])


def test_model_file_from_newer_format_is_refused(fitted, tmp_path: Path) -> None:
    path = tmp_path / "model.genesis"
    fitted.save(path)
    _rewrite_format(path, "9")
    with pytest.raises(
        ModelFileError, match=r"format version 9.*reads version 1.*upgrade"
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
