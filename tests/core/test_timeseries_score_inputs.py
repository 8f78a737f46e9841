"""The time-series scores on inputs their post-hoc networks cannot read.

The networks have no normalisation: far outside a unit range their units
saturate, every window gets one output, and the classifier's accuracy of
one half used to read as a score of 0, "indistinguishable", for windows
anything but. The refusals run with the core alone; the scores that train
run on every installed backend, with few iterations.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from genesis._registry import get_registry
from genesis.errors import InvalidDataError, TrainingDivergedError
from genesis.evaluation import discriminative_score, predictive_score, temporal_score
from genesis.evaluation._timeseries import _test_accuracy

BACKENDS = get_registry().generators.backends_for("timegan")
STOCK = Path("/work/shared/data/timeseries/stock_data.csv")


@pytest.fixture(scope="module")
def stock_windows() -> np.ndarray:
    if not STOCK.exists():
        pytest.skip("the shared stock data is not here")
    stock = pd.read_csv(STOCK).to_numpy()
    return np.stack([stock[i : i + 24] for i in range(0, len(stock) - 24, 24)])


def sines(n: int, seed: int, features: int = 12) -> np.ndarray:
    rng = np.random.default_rng(seed)
    phases = rng.uniform(0, 6, (n, 1, features))
    speeds = rng.uniform(0.5, 1.5, (n, 1, features))
    return (np.sin(speeds * np.linspace(0, 6, 8)[None, :, None] + phases) + 1) / 2


def test_unscaled_scores_refuse_windows_in_raw_units(stock_windows) -> None:
    # The new user's walk: plainly fake windows in dollars and shares scored
    # 0.0 with scale=False, as the classifier saturated.
    fake = stock_windows.copy()
    fake[..., :5], fake[..., 5] = 600.0, 3e7
    with pytest.raises(InvalidDataError) as caught:
        discriminative_score(stock_windows, fake, iterations=5, scale=False)
    message = str(caught.value)
    assert "real values must lie in [-1, 2]" in message
    assert "feature 0 spans [49.27, 1271]" in message
    assert "Leave scale=True" in message


def test_unscaled_predictive_score_refuses_raw_inputs_too(stock_windows) -> None:
    # The target (volume) is in [0, 1], the inputs (prices) are in dollars:
    # the predictor's units saturate on the inputs just as well.
    real = stock_windows.copy()
    volume = real[..., 5]
    real[..., 5] = (volume - volume.min()) / (volume.max() - volume.min())
    with pytest.raises(InvalidDataError, match=r"feature 0 spans \[49\.\d+, 1271\]"):
        predictive_score(real, real, iterations=5, scale=False)


@pytest.mark.parametrize("backend", BACKENDS)
def test_synthetic_windows_far_from_the_real_range_are_told_apart(
    backend: str,
) -> None:
    # Prices in the wrong units: every synthetic value is 10,000 above the
    # real range. Measured before clipping: 0.0 on both backends (seed 0,
    # the classifier saturated); after: 0.5 (every window told apart).
    real = sines(60, seed=0)
    shifted = sines(60, seed=1) + 1e4
    score = discriminative_score(real, shifted, iterations=200, backend=backend)
    assert score > 0.4


@pytest.mark.parametrize("backend", BACKENDS)
def test_temporal_score_tells_huge_steps_from_real_ones(backend: str) -> None:
    # Synthetic steps 10,000 times the real ones.
    real = sines(60, seed=0)
    jumpy = sines(60, seed=1) * 1e4
    steps = temporal_score(real, jumpy, iterations=200, backend=backend)
    # Measured before clipping: 0.21 (torch) and 0.25 (jax); after: 0.33
    # and 0.5. Two hundred iterations are few, hence the loose bound.
    assert steps.discriminative > 0.3
    assert steps.step_ratio > 1000


def test_one_output_for_every_window_is_not_a_score() -> None:
    # What a saturated classifier gives: one logit, whatever the window.
    windows = (sines(4, seed=0), sines(4, seed=1))
    same = (np.full(4, 3.5, np.float32), np.full(4, 3.5, np.float32))
    with pytest.raises(InvalidDataError, match="its units saturated"):
        _test_accuracy(same, windows)
    # Identical windows may well get one output: they are alike.
    one_window = sines(1, seed=0).repeat(4, axis=0)
    assert _test_accuracy(same, (one_window, one_window)) == 0.5
    assert _test_accuracy((np.ones(4), -np.ones(4)), windows) == 1.0


def test_a_diverged_classifier_is_not_a_score() -> None:
    windows = (sines(4, seed=0), sines(4, seed=1))
    diverged = (np.full(4, np.nan), np.array([1.0, np.nan, -1.0, 2.0]))
    with pytest.raises(TrainingDivergedError, match="5 of 8 test windows a NaN"):
        _test_accuracy(diverged, windows)
