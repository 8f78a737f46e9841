"""Time-series shapes that peer libraries got wrong, run against TimeGAN.

Each test names the peer report whose input it rebuilds. Fits are tiny (a
few iterations of one-layer networks): the claims are about the data plane
and the scores' arithmetic, not about what TimeGAN learns. Everything here
skips when neither torch nor jax provides TimeGAN.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from genesis._registry import get_registry
from genesis.errors import InvalidDataError
from genesis.evaluation import discriminative_score, temporal_score
from genesis.generators.timeseries import TimeGANGenerator

BACKENDS = get_registry().generators.backends_for("timegan")
pytestmark = pytest.mark.skipif(
    not BACKENDS, reason="no installed plugin provides TimeGAN"
)
TINY = {"hidden_dim": 4, "num_layers": 1, "batch_size": 8, "iterations": 2}


def tiny(seq_len: int = 3, n_features: int = 2, **changes: object) -> TimeGANGenerator:
    arguments = {"seed": 0, **TINY, **changes}
    return TimeGANGenerator(seq_len, n_features, **arguments)


def long_frame(entities: int = 3, steps: int = 6) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = entities * steps
    return pd.DataFrame(
        {
            "id": np.repeat(np.arange(entities), steps),
            "t": np.tile(np.arange(steps), entities),
            "x": rng.normal(size=rows),
            "k": rng.integers(0, 5, rows),
        }
    )


# -- arrays ------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["int64", "int16", "uint8"])
def test_integer_arrays_come_back_as_integers(dtype: str) -> None:
    # SDV issues 2241 and 2274: PAR gave floats for a column of integers.
    counts = np.random.default_rng(0).integers(0, 50, size=(6, 3, 2)).astype(dtype)
    synthetic = tiny().fit(counts, progress=False).generate(4)

    assert synthetic.dtype == np.dtype(dtype)


def test_boolean_arrays_come_back_as_booleans() -> None:
    flags = np.random.default_rng(0).integers(0, 2, size=(6, 3, 2)).astype(bool)
    synthetic = tiny().fit(flags, progress=False).generate(4)

    assert synthetic.dtype == np.dtype(bool)


# -- long frames -------------------------------------------------------------


def test_duplicate_column_names_are_refused_by_name() -> None:
    # ydata-synthetic issue 170: a feature count off by one from a stray
    # column gave a shape error deep in the networks.
    frame = long_frame()
    frame.columns = ["id", "t", "x", "x"]
    with pytest.raises(InvalidDataError, match=r"'x'.*more than once"):
        tiny().fit(frame, entity_column="id", time_column="t", progress=False)


def test_entities_of_one_row_each_are_too_short_not_a_crash() -> None:
    # ydata-synthetic issue 144: too few measurements per sequence. With one
    # row per entity there is no time step either; that crashed in numpy.
    frame = long_frame(entities=4, steps=1)
    with pytest.raises(InvalidDataError, match="Every sequence is shorter"):
        tiny().fit(frame, entity_column="id", time_column="t", progress=False)


def test_a_single_row_per_entity_gives_advice_that_can_be_followed() -> None:
    frame = long_frame(entities=4, steps=1)
    with pytest.raises(InvalidDataError) as caught:
        tiny().fit(frame, entity_column="id", time_column="t", progress=False)

    assert "seq_len=1" not in str(caught.value)
    assert "at least 2 time steps" in str(caught.value)


def test_several_entity_columns_are_refused_with_the_way_to_combine_them() -> None:
    # SDV's PAR took entity_columns as a list (SDV issue 951's code does).
    with pytest.raises(InvalidDataError, match=r"entity_column takes one column"):
        tiny(n_features=1).fit(
            long_frame(), entity_column=["id", "k"], time_column="t", progress=False
        )


def test_duplicate_times_are_named_as_the_user_wrote_them() -> None:
    # SDV issue 951: a sequence index with repeated values.
    frame = long_frame()
    frame.loc[2, "t"] = 1
    with pytest.raises(InvalidDataError) as caught:
        tiny().fit(frame, entity_column="id", time_column="t", progress=False)

    assert "Time 1 of entity 0 appears twice in 't'" in str(caught.value)


def test_decimal_time_steps_are_regular() -> None:
    # SDV issues 825 and 951: regular times in fractions of a second, and
    # synthetic steps that came back irregular. 0.1 * k is not exact in
    # binary, so its gaps differ in the last bits; they are one step.
    frame = long_frame().assign(t=lambda d: d["t"] * 0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        generator = tiny().fit(
            frame, entity_column="id", time_column="t", progress=False
        )
    times = generator.generate(2)["t"].to_numpy()

    assert times[:3] == pytest.approx([0.0, 0.1, 0.2], abs=1e-12)
    assert np.diff(times[:3]) == pytest.approx([0.1, 0.1], abs=1e-12)


def test_elapsed_time_as_durations_comes_back_as_durations() -> None:
    # SDV issue 951: the time of each step as time since the start.
    frame = long_frame().assign(t=lambda d: pd.to_timedelta(d["t"] * 30, unit="s"))
    generator = tiny().fit(frame, entity_column="id", time_column="t", progress=False)
    synthetic = generator.generate(2)

    assert synthetic["t"].dtype == frame["t"].dtype
    expected = pd.to_timedelta([0, 30, 60, 0, 30, 60], unit="s")
    assert synthetic["t"].tolist() == expected.tolist()


# -- the scores --------------------------------------------------------------


def sine_windows(n: int, seed: int) -> np.ndarray:
    phases = np.random.default_rng(seed).uniform(0, 6, size=(n, 1, 2))
    return np.sin(np.linspace(0, 6, 8)[None, :, None] + phases)


@pytest.mark.parametrize("backend", BACKENDS)
def test_fewer_synthetic_windows_do_not_make_copies_look_fake(backend: str) -> None:
    # TimeGAN issue 14 (jsyoon0823/TimeGAN): the reference score assumed as
    # many synthetic windows as real ones.
    # Copies of real windows cannot be told apart, but on a test set of 20
    # real and 2 synthetic windows, calling everything real is 91% accurate.
    real = sine_windows(100, seed=0)
    copies = real[:10]
    # In three iterations the classifier calls every window one kind; a
    # warning says that its 0 shows too little training, not alike windows.
    with pytest.warns(UserWarning, match="separated nothing in 3 iterations"):
        score = discriminative_score(real, copies, iterations=3, backend=backend)
    with pytest.warns(UserWarning, match="separated nothing in 3 iterations"):
        steps = temporal_score(real, copies, iterations=3, backend=backend)

    # Accuracy is the mean over the two classes, so a classifier that learnt
    # nothing in three iterations scores near 0, whatever the counts.
    assert score < 0.15
    assert steps.discriminative < 0.15
