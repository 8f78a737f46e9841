"""The TimeGAN front door: its arguments, its data checks and its missing backends.

The argument checks, the missing-backend messages and the checks of the
time-series scores run with the core alone. The data checks need a
generator, so they run where a backend provides TimeGAN; none of them
trains anything, since data is checked before any training starts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from genesis._registry import get_registry
from genesis.errors import (
    BackendNotAvailableError,
    InvalidConfigError,
    InvalidDataError,
    ModelFileError,
    NotFittedError,
)
from genesis.evaluation import discriminative_score, predictive_score, temporal_score
from genesis.generators.timeseries import TimeGANGenerator

BACKENDS = get_registry().generators.backends_for("timegan")
needs_backend = pytest.mark.skipif(
    not BACKENDS, reason="no installed plugin provides TimeGAN"
)


def windows(n: int = 20, steps: int = 12, features: int = 3) -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.normal(10.0, 2.0, size=(n, steps, features))


# -- arguments ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        ({"seq_len": 1}, "seq_len must be at least 2"),
        ({"seq_len": 24.0}, "seq_len must be an integer"),
        ({"n_features": 0}, "n_features must be at least 1"),
        ({"hidden_dim": 0}, "'hidden_dim'"),
        ({"num_layers": True}, "'num_layers'"),
        ({"module": "rnn"}, "['gru', 'lstm']"),
        ({"batch_size": -5}, "'batch_size'"),
        ({"epochs": 3, "iterations": 10}, "not both"),
        ({"iterations": 0}, "'iterations'"),
        ({"seed": "seven"}, "seed must be an integer"),
        ({"backend": 3}, "backend must be a string"),
    ],
)
def test_bad_arguments_are_refused_with_the_argument_named(
    arguments: dict, words: str
) -> None:
    given = {"seq_len": 24, "n_features": 5, **arguments}
    with pytest.raises(InvalidConfigError, match=None) as caught:
        TimeGANGenerator(**given)
    assert words in str(caught.value)


def test_unknown_backend_names_its_install_line() -> None:
    if "jax" in BACKENDS:
        pytest.skip("a jax plugin provides TimeGAN here")
    with pytest.raises(BackendNotAvailableError) as caught:
        TimeGANGenerator(seq_len=24, n_features=5, backend="jax")
    assert 'pip install "genesis-synth-jax"' in str(caught.value)


@pytest.mark.skipif(bool(BACKENDS), reason="a plugin provides TimeGAN here")
def test_without_any_backend_the_error_gives_both_install_lines() -> None:
    with pytest.raises(BackendNotAvailableError) as caught:
        TimeGANGenerator(seq_len=24, n_features=5)
    assert 'pip install "genesis-synth-torch"' in str(caught.value)
    assert 'pip install "genesis-synth-jax"' in str(caught.value)


@pytest.mark.skipif(bool(BACKENDS), reason="a plugin provides TimeGAN here")
def test_scores_without_any_backend_give_the_install_line() -> None:
    with pytest.raises(BackendNotAvailableError, match="genesis-synth-torch"):
        discriminative_score(windows(), windows())


# -- the scores' checks (before any backend is asked) ------------------------


@pytest.mark.parametrize(
    ("real", "synthetic", "words"),
    [
        (windows()[0], windows(), "real must be a 3-D array"),
        (windows(), windows(steps=10), "generate windows of the real data's length"),
        (
            windows(),
            np.full((4, 12, 3), np.nan),
            "synthetic has 144 missing or infinite",
        ),
        (windows(n=1), windows(), "at least 2 sequences"),
    ],
)
def test_scores_refuse_windows_they_cannot_compare(
    real: np.ndarray, synthetic: np.ndarray, words: str
) -> None:
    for score in (discriminative_score, predictive_score, temporal_score):
        with pytest.raises(InvalidDataError) as caught:
            score(real, synthetic)
        assert words in str(caught.value)


def test_predictive_score_needs_two_features_for_the_papers_task() -> None:
    one_feature = windows(features=1)
    with pytest.raises(InvalidDataError, match="use target='all'"):
        predictive_score(one_feature, one_feature)
    with pytest.raises(InvalidConfigError, match="'last' or 'all'"):
        predictive_score(windows(), windows(), target="first")


def test_the_papers_scores_take_scale_as_a_bool_only() -> None:
    for score in (discriminative_score, predictive_score):
        with pytest.raises(InvalidConfigError, match="scale must be True or False"):
            score(windows(), windows(), scale="no")


@pytest.mark.parametrize(
    ("count", "value"), [("repeats", 0), ("iterations", -1), ("batch_size", 2.5)]
)
def test_scores_refuse_counts_that_are_not_positive_integers(
    count: str, value: object
) -> None:
    for score in (discriminative_score, predictive_score, temporal_score):
        with pytest.raises(InvalidConfigError, match=f"{count} must be a positive"):
            score(windows(), windows(), **{count: value})


def test_unscaled_predictive_score_needs_targets_its_sigmoid_can_reach() -> None:
    # windows() holds values near 10; the predictor ends in a sigmoid.
    with pytest.raises(InvalidDataError) as caught:
        predictive_score(windows(), windows(), scale=False)
    assert "must lie in [0, 1]" in str(caught.value)
    assert "leave scale=True" in str(caught.value)


# -- the data's checks -------------------------------------------------------


@needs_backend
@pytest.mark.parametrize(
    ("data", "words"),
    [
        (windows()[0], "got a 2-D array of shape (12, 3). For one long series"),
        (windows(features=4), "The data has 4 features"),
        (windows(steps=8), "8 time steps, fewer than seq_len=12"),
        (windows().tolist(), "Wrap lists with np.asarray"),
        (np.zeros((0, 12, 3)), "no sequences"),
        (np.full((2, 12, 3), "a"), "needs numbers"),
    ],
)
def test_fit_refuses_arrays_it_cannot_learn(data: object, words: str) -> None:
    generator = TimeGANGenerator(seq_len=12, n_features=3, iterations=1)
    with pytest.raises(InvalidDataError) as caught:
        generator.fit(data, progress=False)
    assert words in str(caught.value)


@needs_backend
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_fit_refuses_missing_and_infinite_values_naming_the_feature(bad: float) -> None:
    data = windows()
    data[3, 4, 1] = bad
    generator = TimeGANGenerator(seq_len=12, n_features=3, iterations=1)
    with pytest.raises(InvalidDataError) as caught:
        generator.fit(data, progress=False)
    kind = "1 NaN, 0 infinite" if np.isnan(bad) else "0 NaN, 1 infinite"
    assert f"feature 1 ({kind})" in str(caught.value)


def long_frame() -> pd.DataFrame:
    rng = np.random.default_rng(4)
    days = pd.date_range("2024-01-01", periods=30, freq="D")
    return pd.DataFrame(
        {
            "store": np.repeat(["north", "south"], 30),
            "day": np.tile(days, 2),
            "sales": rng.normal(100.0, 5.0, 60),
            "visits": rng.integers(200, 300, 60),
        }
    )


@needs_backend
@pytest.mark.parametrize(
    ("change", "options", "words"),
    [
        (
            lambda f: f,
            {"entity_column": "shop"},
            "entity_column='shop' is not a column",
        ),
        (lambda f: f.assign(city="x"), {}, "Column 'city' has dtype"),
        (lambda f: f.drop(columns="visits"), {}, "1 feature columns ['sales']"),
        (lambda f: f.assign(sales=np.nan), {}, "'sales' (60 NaN, 0 infinite)"),
        (
            lambda f: f.assign(day=f["day"].where(f.index != 3)),
            {},
            "'day' has 1 missing",
        ),
        (lambda f: f.assign(day="monday"), {}, "must hold datetimes or numbers"),
        (
            lambda f: f.assign(
                store=pd.to_datetime(
                    f["store"].map({"north": "2024-01-01", "south": "2024-02-01"})
                )
            ),
            {},
            "The entity column 'store' has dtype datetime64",
        ),
        (lambda f: f.head(10), {}, "Every sequence is shorter than seq_len=12"),
        (
            lambda f: pd.concat([f, f.iloc[[5]]]),
            {},
            "appears twice in 'day'; each entity needs one row per time",
        ),
    ],
)
def test_fit_refuses_long_frames_it_cannot_learn(change, options, words) -> None:
    frame = change(long_frame())
    generator = TimeGANGenerator(seq_len=12, n_features=2, iterations=1)
    with pytest.raises(InvalidDataError) as caught:
        generator.fit(
            frame,
            **{"entity_column": "store", "time_column": "day", **options},
            progress=False,
        )
    assert words in str(caught.value)


@needs_backend
def test_array_with_entity_column_is_refused() -> None:
    generator = TimeGANGenerator(seq_len=12, n_features=3, iterations=1)
    with pytest.raises(InvalidDataError, match="name columns of a DataFrame"):
        generator.fit(windows(), entity_column="store", progress=False)


@needs_backend
def test_generate_and_save_before_fit_say_so(tmp_path) -> None:
    generator = TimeGANGenerator(seq_len=12, n_features=3)
    with pytest.raises(NotFittedError, match="call fit"):
        generator.generate(5)
    with pytest.raises(NotFittedError, match="call fit"):
        generator.save(tmp_path / "model.genesis")


@needs_backend
def test_loading_a_tabular_model_file_points_to_synthetic_generator(tmp_path) -> None:
    from genesis import SyntheticGenerator

    frame = pd.DataFrame({"a": np.arange(50.0), "b": np.arange(50.0) % 3})
    path = tmp_path / "copula.genesis"
    SyntheticGenerator("gaussian_copula", seed=0).fit(frame, progress=False).save(path)
    with pytest.raises(
        ModelFileError, match=r"load it with genesis\.SyntheticGenerator"
    ):
        TimeGANGenerator.load(path)
