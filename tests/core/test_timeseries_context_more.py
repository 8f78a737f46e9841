"""Context columns of TimeGAN beyond numbers and text: times, codes, wide ones.

An account's opening date, a patient's birth date (zone-aware too) and a
contract's length are context columns learnt as points on a line and given
back in their dtype, unit and zone. A segment stored as the codes 1 to 5 is
a category once named in ``discrete_columns``, and comes back as one of the
codes seen. A column with very many values warns; an identifier is refused.
Fits are tiny; everything skips when neither torch nor jax provides TimeGAN.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from genesis._registry import get_registry
from genesis.errors import InvalidDataError
from genesis.generators._context import MAX_CONTEXT_CATEGORIES, ContextColumn
from genesis.generators.timeseries import TimeGANGenerator

BACKENDS = get_registry().generators.backends_for("timegan")
pytestmark = pytest.mark.skipif(
    not BACKENDS, reason="no installed plugin provides TimeGAN"
)
TINY = {"hidden_dim": 4, "num_layers": 1, "batch_size": 8, "iterations": 2}
TIMES = ["opened", "born", "tenure"]
CODES = [10, 20, 30, 40]


def tiny(backend: str | None = None) -> TimeGANGenerator:
    return TimeGANGenerator(4, 1, seed=0, backend=backend, **TINY)


def accounts(entities: int = 12, steps: int = 5) -> pd.DataFrame:
    """Daily balance of accounts, with times and codes that describe each."""
    rng = np.random.default_rng(1)
    ids = np.arange(entities)
    opened = pd.Timestamp("2019-03-01") + pd.to_timedelta(
        rng.integers(0, 900, entities), "D"
    )
    opened = pd.Series(opened.as_unit("s")).where(ids % 5 != 2)  # some NaT
    born = pd.Timestamp("1950-01-01 08:30") + pd.to_timedelta(
        rng.integers(0, 20_000, entities), "D"
    )
    born = pd.Series(born.as_unit("ms")).dt.tz_localize("Europe/Paris")
    tenure = pd.to_timedelta(rng.integers(1, 400, entities), "h").astype(
        "timedelta64[s]"
    )
    segment = np.array(CODES)[ids % len(CODES)].astype("int16")
    region = pd.array(np.where(ids % 4 == 3, None, ids % 3 + 1), dtype="Int64")
    return pd.DataFrame(
        {
            "account": np.repeat(ids, steps),
            "day": np.tile(np.arange(steps), entities),
            "balance": rng.normal(100.0, 20.0, entities * steps),
            "opened": opened.repeat(steps).to_numpy(),
            "born": born.repeat(steps).reset_index(drop=True),
            "tenure": np.repeat(tenure.to_numpy(), steps),
            "segment": np.repeat(segment, steps),
            "region": region.repeat(steps),
        }
    )


def fit_accounts(
    backend: str | None = None, frame: pd.DataFrame | None = None
) -> TimeGANGenerator:
    return tiny(backend).fit(
        accounts() if frame is None else frame,
        entity_column="account",
        time_column="day",
        context_columns=[*TIMES, "segment", "region"],
        discrete_columns=["segment", "region"],
        progress=False,
    )


@pytest.fixture(scope="module", params=BACKENDS)
def fitted(request: pytest.FixtureRequest) -> TimeGANGenerator:
    """One tiny fit per backend, shared by the tests that only generate."""
    return fit_accounts(request.param)


# -- times -------------------------------------------------------------------


def test_time_context_columns_keep_dtype_unit_and_zone(
    fitted: TimeGANGenerator,
) -> None:
    real = accounts()
    synthetic = fitted.generate(20)

    assert synthetic.dtypes.to_dict() == real.dtypes.to_dict()
    assert str(synthetic["born"].dtype) == "datetime64[ms, Europe/Paris]"
    assert str(synthetic["opened"].dtype) == "datetime64[s]"
    assert str(synthetic["tenure"].dtype) == "timedelta64[s]"


def test_time_context_columns_hold_one_seen_range_value_per_entity(
    fitted: TimeGANGenerator,
) -> None:
    real = accounts()
    synthetic = fitted.generate(20)

    changes = synthetic.groupby("account")[TIMES].nunique(dropna=False)
    assert (changes == 1).all().all()
    for name in TIMES:
        values = synthetic[name].dropna()
        assert values.between(real[name].min(), real[name].max()).all(), name
    # At the resolution of the real values: whole days, hours, the minute of
    # a birth at half past (these came back to the second and below).
    opened = synthetic["opened"].dropna()
    assert (opened == opened.dt.normalize()).all()
    assert (synthetic["tenure"] % pd.Timedelta(hours=1) == pd.Timedelta(0)).all()
    assert (synthetic["born"].dt.minute == 30).all()
    assert (synthetic["born"].dt.second == 0).all()


def test_a_missing_time_is_learnt_and_can_come_back_missing() -> None:
    frame = accounts().assign(opened=pd.NaT).astype({"opened": "datetime64[s]"})
    synthetic = fit_accounts(frame=frame).generate(10)

    assert synthetic["opened"].isna().all()
    assert str(synthetic["opened"].dtype) == "datetime64[s]"


def test_a_period_context_column_is_refused_with_a_conversion() -> None:
    frame = accounts().assign(quarter=lambda f: f["opened"].dt.to_period("Q"))
    with pytest.raises(InvalidDataError, match=r"'quarter'.*\.dt\.start_time"):
        tiny().fit(
            frame.dropna(),
            entity_column="account",
            time_column="day",
            context_columns=[*TIMES, "segment", "region", "quarter"],
            progress=False,
        )


# -- codes -------------------------------------------------------------------


def test_discrete_codes_come_back_as_seen_codes_in_their_dtype(
    fitted: TimeGANGenerator,
) -> None:
    synthetic = fitted.generate(20)

    # As numbers, the mean of a tiny fit lands between codes (25, 31, ...).
    assert synthetic["segment"].dtype == "int16"
    assert set(synthetic["segment"]) <= set(CODES)
    assert synthetic["region"].dtype == "Int64"
    assert set(synthetic["region"].dropna()) <= {1, 2, 3}


def test_save_and_load_keep_times_and_codes(
    fitted: TimeGANGenerator, tmp_path: Path
) -> None:
    path = tmp_path / "accounts.genesis"
    fitted.save(path)
    loaded = TimeGANGenerator.load(path)

    pd.testing.assert_frame_equal(
        loaded.generate(20, seed=3), fitted.generate(20, seed=3)
    )


def test_booleans_and_codes_are_one_hot_while_numbers_are_one_feature() -> None:
    flags = pd.Series([True, False, True])
    codes = pd.Series([1, 5, 3], dtype="int64")

    assert ContextColumn.fit("member", flags, discrete=False).width == 2
    assert ContextColumn.fit("segment", codes, discrete=True).width == 3
    assert ContextColumn.fit("segment", codes, discrete=False).width == 1


@pytest.mark.parametrize(
    ("discrete", "words"),
    [
        (["balance"], r"discrete_columns lists \['balance'\].*context_columns"),
        (["opened"], r"discrete_columns lists 'opened'.*datetime64"),
        ("segment", "discrete_columns takes a list of column names"),
        # A typo is named as one, not sent to context_columns first.
        (["segmnet"], r"\['segmnet'\], which the data does not have"),
    ],
)
def test_bad_discrete_columns_are_refused_by_name(discrete: object, words: str) -> None:
    with pytest.raises(InvalidDataError, match=words):
        tiny().fit(
            accounts(),
            entity_column="account",
            time_column="day",
            context_columns=[*TIMES, "segment", "region"],
            discrete_columns=discrete,  # type: ignore[arg-type]
            progress=False,
        )


def test_discrete_columns_with_an_array_are_refused() -> None:
    with pytest.raises(
        InvalidDataError, match="discrete_columns and context_columns name"
    ):
        tiny().fit(np.zeros((4, 4, 1)), discrete_columns=["segment"], progress=False)


# -- many values -------------------------------------------------------------


def many(entities: int, distinct: int) -> pd.DataFrame:
    """Two rows per entity and a ``code`` column taking ``distinct`` values."""
    ids = np.arange(entities)
    return pd.DataFrame(
        {
            "entity": np.repeat(ids, 4),
            "value": np.linspace(0.0, 1.0, entities * 4),
            "code": np.repeat([f"c{i % distinct}" for i in ids], 4),
        }
    )


def fit_many(frame: pd.DataFrame) -> TimeGANGenerator:
    return tiny().fit(
        frame, entity_column="entity", context_columns=["code"], progress=False
    )


def test_a_context_column_with_many_values_warns_with_its_count() -> None:
    at_limit = MAX_CONTEXT_CATEGORIES
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit_many(many(entities=at_limit, distinct=at_limit))

    wide = MAX_CONTEXT_CATEGORIES + 5
    with pytest.warns(UserWarning, match=rf"'code' has {wide} distinct values"):
        fit_many(many(entities=2 * wide, distinct=wide))


def test_an_identifier_context_column_is_refused() -> None:
    entities = MAX_CONTEXT_CATEGORIES + 1
    with pytest.raises(InvalidDataError, match=rf"'code'.*each of its {entities}"):
        fit_many(many(entities=entities, distinct=entities))
