"""Context columns of TimeGAN: attributes that hold one value per entity.

A customer's segment or a patient's birth year does not change from step to
step. Named in ``context_columns``, it must come out constant within every
synthetic entity, with values it can take and its link to the sequences
kept. SDV's PARSynthesizer has the same argument; TimeGAN's reference code
left its static features out (jsyoon0823/TimeGAN issues 3 and 13). Fits are
tiny except in the one test that claims the link is learned. Everything
here skips when neither torch nor jax provides TimeGAN.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from genesis._registry import get_registry
from genesis.errors import InvalidDataError
from genesis.generators.timeseries import TimeGANGenerator

BACKENDS = get_registry().generators.backends_for("timegan")
pytestmark = pytest.mark.skipif(
    not BACKENDS, reason="no installed plugin provides TimeGAN"
)
TINY = {"hidden_dim": 4, "num_layers": 1, "batch_size": 8, "iterations": 2}
CONTEXT = ["segment", "birth_year", "member", "score", "tier"]


def tiny(n_features: int = 1, backend: str | None = None) -> TimeGANGenerator:
    return TimeGANGenerator(4, n_features, seed=0, backend=backend, **TINY)


def customers(entities: int = 12, steps: int = 6) -> pd.DataFrame:
    """Daily spend of customers, with one attribute of each kind per customer."""
    rng = np.random.default_rng(0)
    ids = np.arange(entities)
    segment = np.where(ids % 2 == 0, "retail", "business")
    score = np.where(ids % 3 == 0, np.nan, rng.normal(50, 10, entities))
    tier = np.where(ids % 4 == 0, None, np.where(ids % 4 == 1, "gold", "silver"))
    frame = pd.DataFrame(
        {
            "customer": np.repeat(ids, steps),
            "day": np.tile(np.arange(steps), entities),
            "spend": rng.gamma(2.0, 10.0, entities * steps),
            "segment": np.repeat(segment, steps),
            "birth_year": np.repeat(rng.integers(1940, 2000, entities), steps),
            "member": np.repeat(ids % 3 == 1, steps),
            "score": pd.array(np.repeat(score, steps), dtype="Float64"),
            "tier": pd.Categorical(
                np.repeat(tier, steps), categories=["bronze", "silver", "gold"]
            ),
        }
    )
    return frame


def fit_customers(
    backend: str | None = None, frame: pd.DataFrame | None = None
) -> TimeGANGenerator:
    return tiny(backend=backend).fit(
        customers() if frame is None else frame,
        entity_column="customer",
        time_column="day",
        context_columns=CONTEXT,
        progress=False,
    )


# -- what is refused ---------------------------------------------------------


def test_a_context_column_that_varies_within_an_entity_is_refused_by_name() -> None:
    # PAR refuses the same; here the message also counts and shows the rows.
    frame = customers()
    frame.loc[(frame.customer == 5) & (frame.day == 3), "segment"] = "retail"
    frame.loc[(frame.customer == 7) & (frame.day == 0), "segment"] = "retail"

    with pytest.raises(InvalidDataError) as caught:
        fit_customers(frame=frame)
    message = str(caught.value)
    assert "'segment'" in message
    assert "2 of 12 entities" in message
    assert "entity 5" in message


def test_a_missing_value_in_one_row_counts_as_a_change() -> None:
    frame = customers()
    frame["score"] = frame["score"].fillna(1.0)
    frame.loc[(frame.customer == 2) & (frame.day == 4), "score"] = pd.NA

    with pytest.raises(InvalidDataError, match=r"'score'.*1 of 12 entities"):
        fit_customers(frame=frame)


@pytest.mark.parametrize(
    ("context", "words"),
    [
        (["customer"], "is the entity_column"),
        (["day"], "is the time_column"),
        (["region"], "does not have"),
        (["segment", "segment"], "more than once"),
        ("segment", "takes a list of column names"),
    ],
)
def test_bad_context_columns_are_refused_before_training(
    context: object, words: str
) -> None:
    with pytest.raises(InvalidDataError, match=words):
        tiny(n_features=5).fit(
            customers(),
            entity_column="customer",
            time_column="day",
            context_columns=context,  # type: ignore[arg-type]
            progress=False,
        )


def test_a_datetime_context_column_is_carried_in_its_dtype() -> None:
    # Refused before; tests/core/test_timeseries_context_more.py covers it.
    frame = customers().assign(
        joined=lambda f: pd.to_datetime("2020-01-01") + pd.to_timedelta(f.customer, "D")
    )
    synthetic = (
        tiny()
        .fit(
            frame,
            entity_column="customer",
            time_column="day",
            context_columns=[*CONTEXT, "joined"],
            progress=False,
        )
        .generate(5)
    )
    assert synthetic["joined"].dtype == frame["joined"].dtype


def test_context_columns_with_an_array_are_refused() -> None:
    windows = np.zeros((4, 4, 1))
    with pytest.raises(InvalidDataError, match="context_columns name columns"):
        tiny().fit(windows, context_columns=["segment"], progress=False)


def test_a_text_feature_error_points_to_context_columns() -> None:
    frame = customers()[["customer", "day", "spend", "segment"]]
    with pytest.raises(InvalidDataError, match="context_columns"):
        TimeGANGenerator(4, 2, **TINY).fit(
            frame, entity_column="customer", time_column="day", progress=False
        )


# -- what comes out ----------------------------------------------------------


@pytest.fixture(scope="module", params=BACKENDS)
def fitted(request: pytest.FixtureRequest) -> TimeGANGenerator:
    """One tiny fit per backend, shared by the tests that only generate."""
    return fit_customers(request.param)


def test_every_synthetic_entity_keeps_one_value_of_each_context_column(
    fitted: TimeGANGenerator,
) -> None:
    synthetic = fitted.generate(20)

    changes = synthetic.groupby("customer")[CONTEXT].nunique(dropna=False)
    assert (changes == 1).all().all()


def test_context_columns_keep_their_dtypes_and_real_values(
    fitted: TimeGANGenerator,
) -> None:
    real = customers()
    synthetic = fitted.generate(20)

    assert synthetic.dtypes.to_dict() == real.dtypes.to_dict()
    assert list(synthetic.columns) == list(real.columns)
    assert set(synthetic["segment"]) <= {"retail", "business"}
    assert set(synthetic["tier"].dropna()) <= {"silver", "gold"}
    years = synthetic["birth_year"]
    assert years.between(real["birth_year"].min(), real["birth_year"].max()).all()
    scores = synthetic["score"].dropna()
    assert scores.between(real["score"].min(), real["score"].max()).all()


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_context_column_missing_for_every_entity_comes_back_missing(
    backend: str,
) -> None:
    frame = customers().assign(score=pd.array([pd.NA] * 72, dtype="Float64"))
    synthetic = fit_customers(backend, frame).generate(20)

    assert synthetic["score"].isna().all()
    assert synthetic["score"].dtype == "Float64"


def test_context_columns_do_not_count_in_n_features() -> None:
    with pytest.raises(InvalidDataError, match="every column but the entity, time"):
        tiny(n_features=6).fit(
            customers(),
            entity_column="customer",
            time_column="day",
            context_columns=CONTEXT,
            progress=False,
        )


def test_the_fitted_generator_lists_its_context_columns(
    fitted: TimeGANGenerator,
) -> None:
    assert fitted.context_columns_ == CONTEXT


def test_save_and_load_keep_the_context_columns(
    fitted: TimeGANGenerator, tmp_path: Path
) -> None:
    path = tmp_path / "customers.genesis"
    fitted.save(path)
    loaded = TimeGANGenerator.load(path)

    assert loaded.context_columns_ == CONTEXT
    pd.testing.assert_frame_equal(
        loaded.generate(20, seed=3), fitted.generate(20, seed=3)
    )


def test_the_same_seed_gives_the_same_context(fitted: TimeGANGenerator) -> None:
    again = fit_customers(fitted.backend_)

    pd.testing.assert_frame_equal(
        again.generate(20, seed=4), fitted.generate(20, seed=4)
    )


# -- undeclared context ------------------------------------------------------


def test_an_undeclared_per_entity_column_warns_and_stays_a_feature() -> None:
    frame = customers()[["customer", "day", "spend", "birth_year"]]
    with pytest.warns(UserWarning, match=r"context_columns=\['birth_year'\]"):
        generator = TimeGANGenerator(4, 2, **TINY).fit(
            frame, entity_column="customer", time_column="day", progress=False
        )

    # The default is unchanged: the column is modelled as a feature.
    assert generator.context_columns_ == []


def test_features_that_change_within_entities_do_not_warn() -> None:
    frame = customers()[["customer", "day", "spend"]]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        TimeGANGenerator(4, 1, **TINY).fit(
            frame, entity_column="customer", time_column="day", progress=False
        )


# -- the link with the sequences ---------------------------------------------


def two_segments(entities: int = 40, steps: int = 3) -> pd.DataFrame:
    """Half the sensors read near 0, the other half near 10."""
    rng = np.random.default_rng(0)
    site = np.where(np.arange(entities) % 2 == 0, "valley", "summit")
    level = np.where(site == "valley", 0.0, 10.0)
    return pd.DataFrame(
        {
            "sensor": np.repeat(np.arange(entities), steps),
            "reading": np.repeat(level, steps) + rng.normal(0, 1, entities * steps),
            "site": np.repeat(site, steps),
        }
    )


def test_entities_of_a_higher_segment_come_out_higher() -> None:
    # The one slower test here (20 to 30 s of CPU): the link must be learned,
    # not only carried. It runs on one backend, the first installed: the
    # context columns are handled in the core, the same for every backend.
    generator = TimeGANGenerator(
        3,
        1,
        hidden_dim=8,
        num_layers=1,
        batch_size=16,
        iterations=250,
        seed=0,
        backend=BACKENDS[0],
    )
    generator.fit(
        two_segments(), entity_column="sensor", context_columns=["site"], progress=False
    )
    synthetic = generator.generate(200)

    means = synthetic.groupby("site")["reading"].mean()
    # Real means are 0 and 10. A generator that ignored the site would give
    # both segments the same mean (gap 0); 250 iterations of a tiny network
    # reach about half the real gap, so 3 leaves room and still fails on 0.
    assert means["summit"] - means["valley"] > 3.0
