"""TimeGAN on torch behind the front door, and the time-series scores on torch.

Fits here are tiny (a few iterations of one-layer networks): they check
behaviour. One test trains for longer and checks that training helps, by
the paper's own discriminative score.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from genesis import SyntheticGenerator
from genesis._io import read_model_file
from genesis._registry import get_registry
from genesis.errors import InvalidDataError
from genesis.evaluation import discriminative_score, predictive_score, temporal_score
from genesis.generators.timeseries import STAGES, TimeGANGenerator
from genesis.protocols import ProgressEvent
from genesis_torch import timegan

TINY = {"hidden_dim": 8, "num_layers": 1, "iterations": 3}


def sines(n: int, seq_len: int = 24, n_features: int = 5, seed: int = 0) -> np.ndarray:
    """The TimeGAN paper's sines: ``sin(f t + p)``, f and p uniform on (0, 0.1)."""
    rng = np.random.default_rng(seed)
    frequency = rng.uniform(0, 0.1, size=(n, 1, n_features))
    phase = rng.uniform(0, 0.1, size=(n, 1, n_features))
    steps = np.arange(seq_len)[None, :, None]
    return np.sin(frequency * steps + phase)


@pytest.fixture(scope="module")
def shop_windows() -> np.ndarray:
    """Windows in units far from [0, 1]: sales around 100, visits around 300."""
    wave = sines(60, seq_len=12, n_features=3, seed=1)
    return np.array([100.0, 300.0, 9.5]) + wave * np.array([20.0, 40.0, 0.5])


@pytest.fixture(scope="module")
def fitted(shop_windows: np.ndarray) -> TimeGANGenerator:
    generator = TimeGANGenerator(seq_len=12, n_features=3, seed=0, **TINY)
    return generator.fit(shop_windows, progress=False)


# -- the generator -----------------------------------------------------------


def test_torch_plugin_registers_timegan() -> None:
    assert get_registry().generators.get("timegan", "torch") is timegan.TimeGANGenerator


def test_generate_gives_windows_in_the_training_units(
    fitted: TimeGANGenerator, shop_windows: np.ndarray
) -> None:
    synthetic = fitted.generate(7)
    assert synthetic.shape == (7, 12, 3)
    assert synthetic.dtype == np.float64
    # Outputs are sigmoids scaled back by the training range, so each
    # feature stays inside what it was trained on.
    low, high = shop_windows.min(axis=(0, 1)), shop_windows.max(axis=(0, 1))
    assert (synthetic >= low).all() and (synthetic <= high).all()
    assert fitted.generate(0).shape == (0, 12, 3)


def test_longer_sequences_are_cut_into_every_window() -> None:
    data = 5.0 + sines(4, seq_len=30, n_features=3)
    generator = TimeGANGenerator(seq_len=12, n_features=3, seed=0, **TINY)
    generator.fit(data, progress=False)
    assert generator.n_windows_ == 4 * (30 - 12 + 1)


def test_same_seed_gives_the_same_sequences(shop_windows: np.ndarray) -> None:
    def fit_and_generate(seed: int) -> np.ndarray:
        generator = TimeGANGenerator(seq_len=12, n_features=3, seed=seed, **TINY)
        return generator.fit(shop_windows, progress=False).generate(5)

    first = fit_and_generate(11)
    np.testing.assert_array_equal(first, fit_and_generate(11))
    assert not np.allclose(first, fit_and_generate(12))


def test_generate_with_a_seed_repeats_its_draw(fitted: TimeGANGenerator) -> None:
    np.testing.assert_array_equal(
        fitted.generate(4, seed=9), fitted.generate(4, seed=9)
    )
    assert not np.allclose(fitted.generate(4), fitted.generate(4))


def test_progress_reports_the_three_phases_in_epochs() -> None:
    events: list[ProgressEvent] = []
    data = sines(300, seq_len=6, n_features=2)
    generator = TimeGANGenerator(
        seq_len=6, n_features=2, hidden_dim=4, num_layers=1, epochs=2, seed=0
    )
    generator.fit(data, progress=events.append)

    # 300 windows in batches of 128 make 3 batches per epoch, 6 per phase.
    assert [e.stage for e in events] == [s for s in STAGES for _ in range(2)]
    assert {(e.step, e.total) for e in events} == {(3, 6), (6, 6)}
    assert set(events[-1].losses) == set(timegan.JOINT_LOSSES)
    assert [h["stage"] for h in generator.loss_history_] == [e.stage for e in events]


def test_lstm_cells_train_and_generate(
    shop_windows: np.ndarray, tmp_path: Path
) -> None:
    generator = TimeGANGenerator(
        seq_len=12, n_features=3, module="lstm", seed=0, **TINY
    )
    generator.fit(shop_windows, progress=False)
    assert generator.generate(3).shape == (3, 12, 3)
    generator.save(tmp_path / "lstm.genesis")
    arrays, _ = read_model_file(tmp_path / "lstm.genesis")
    # Four gates of 8 units read the 3 features.
    assert arrays["impl.embedder.rnn.layers.0.input_weight"].shape == (32, 3)


# -- long frames -------------------------------------------------------------


def store_frame() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    days = pd.date_range("2024-03-01", periods=40, freq="D", tz="Europe/Paris")
    frame = pd.DataFrame(
        {
            "store": np.repeat([17, 23, 31], 40),
            "day": np.tile(days, 3),
            "sales": 100 + 20 * np.sin(np.arange(120) / 5) + rng.normal(0, 2, 120),
            "visits": rng.integers(200, 400, 120),
        }
    )
    # Rows out of order: the front door sorts each store's rows by day.
    return frame.sample(frac=1.0, random_state=0).reset_index(drop=True)


def test_long_frame_comes_back_as_a_long_frame() -> None:
    frame = store_frame()
    generator = TimeGANGenerator(seq_len=10, n_features=2, seed=0, **TINY)
    generator.fit(frame, entity_column="store", time_column="day", progress=False)
    synthetic = generator.generate(4)

    assert generator.n_windows_ == 3 * (40 - 10 + 1)
    assert list(synthetic.columns) == list(frame.columns)
    assert (synthetic.dtypes == frame.dtypes).all()
    assert len(synthetic) == 4 * 10
    assert synthetic["store"].nunique() == 4
    first = synthetic[synthetic["store"] == synthetic["store"].iloc[0]]
    expected = pd.date_range("2024-03-01", periods=10, freq="D", tz="Europe/Paris")
    assert list(first["day"]) == list(expected)
    assert synthetic["sales"].between(frame["sales"].min(), frame["sales"].max()).all()


def test_frame_without_entity_column_is_one_sequence() -> None:
    frame = store_frame()
    one_store = frame[frame["store"] == 17].drop(columns=["store", "day"])
    generator = TimeGANGenerator(seq_len=8, n_features=2, seed=0, **TINY)
    generator.fit(one_store, progress=False)
    synthetic = generator.generate(3)
    assert generator.n_windows_ == 40 - 8 + 1
    assert list(synthetic.columns) == ["sequence_id", "sales", "visits"]
    assert synthetic["sequence_id"].tolist() == [0] * 8 + [1] * 8 + [2] * 8


def test_short_entities_are_left_out_with_a_warning() -> None:
    frame = store_frame()
    frame = frame[(frame["store"] != 31) | (frame["day"].dt.day <= 3)]
    generator = TimeGANGenerator(seq_len=10, n_features=2, seed=0, **TINY)
    with pytest.warns(UserWarning, match=r"1 of 3 entities .* \[31\]"):
        generator.fit(frame, entity_column="store", time_column="day", progress=False)
    assert generator.n_windows_ == 2 * (40 - 10 + 1)


# -- saving ------------------------------------------------------------------


def test_saved_generator_loads_and_generates_the_same(
    fitted: TimeGANGenerator, tmp_path: Path
) -> None:
    path = tmp_path / "timegan.genesis"
    fitted.save(path)
    loaded = TimeGANGenerator.load(path)

    np.testing.assert_array_equal(
        loaded.generate(6, seed=4), fitted.generate(6, seed=4)
    )
    assert loaded.loss_history_ == fitted.loss_history_
    assert loaded.backend_ == "torch"
    arrays, _ = read_model_file(path)
    names = {name.split(".")[1] for name in arrays if name.startswith("impl.")}
    assert names == set(timegan.NETWORK_NAMES)
    assert "impl.supervisor.rnn.layers.0.recurrent_bias" in arrays


def test_saved_long_frame_generator_keeps_its_layout(tmp_path: Path) -> None:
    frame = store_frame()
    generator = TimeGANGenerator(seq_len=10, n_features=2, seed=0, **TINY)
    generator.fit(frame, entity_column="store", time_column="day", progress=False)
    generator.save(tmp_path / "frame.genesis")
    loaded = TimeGANGenerator.load(tmp_path / "frame.genesis")
    pd.testing.assert_frame_equal(
        loaded.generate(2, seed=1), generator.generate(2, seed=1)
    )


def test_synthetic_generator_sends_sequences_to_the_front_door() -> None:
    frame = pd.DataFrame({"a": np.arange(40.0), "b": np.arange(40.0) % 4})
    generator = SyntheticGenerator("timegan", config={"iterations": 1})
    with pytest.raises(InvalidDataError, match=r"genesis\.generators\.timeseries"):
        generator.fit(frame, progress=False)


# -- the scores on torch -----------------------------------------------------

# 400 classifier iterations on windows of 12 steps instead of the paper's
# 2,000 on 24: enough to tell the cases below apart, and quick. (Much fewer
# and the classifier, a GRU of two units, may not have learned anything yet.)
QUICK = 400


@pytest.fixture(scope="module")
def real_and_other() -> tuple[np.ndarray, np.ndarray]:
    return sines(300, seq_len=12, seed=0), sines(300, seq_len=12, seed=1)


def test_discriminative_score_tells_noise_from_sines(real_and_other) -> None:
    real, other = real_and_other
    noise = np.random.default_rng(2).uniform(-1, 1, real.shape)
    assert discriminative_score(real, other, iterations=QUICK) < 0.1
    assert discriminative_score(real, noise, iterations=QUICK) > 0.3


def test_scores_repeat_with_their_seed(real_and_other) -> None:
    real, other = real_and_other
    first = discriminative_score(real, other, iterations=20, seed=3)
    assert discriminative_score(real, other, iterations=20, seed=3) == first
    first = predictive_score(real, other, iterations=20, seed=3)
    assert predictive_score(real, other, iterations=20, seed=3) == first


def test_temporal_score_tells_shuffled_steps_from_real_ones(real_and_other) -> None:
    real, other = real_and_other
    shuffled = real[:, np.random.default_rng(3).permutation(real.shape[1])]

    alike = temporal_score(real, other, iterations=QUICK)
    broken = temporal_score(real, shuffled, iterations=QUICK)
    assert alike.discriminative < 0.1
    assert 0.9 < alike.step_ratio < 1.1
    assert broken.discriminative > 0.3
    # Shuffled smooth series jump between distant values at every step.
    assert broken.step_ratio > 3


def test_predictive_score_prefers_synthetic_data_with_real_dynamics(
    real_and_other,
) -> None:
    real, other = real_and_other
    noise = np.random.default_rng(2).uniform(-1, 1, real.shape)
    # The paper's task (the last feature from the others) says little on
    # sines, whose features are independent: predicting the mean does as
    # well. Predicting every feature's next step shows what was learned.
    learned = predictive_score(real, other, target="all", iterations=QUICK)
    assert learned < predictive_score(real, noise, target="all", iterations=QUICK)


def test_training_beats_an_untrained_model_on_sines() -> None:
    real = sines(500, seed=0)
    small = {"hidden_dim": 12, "num_layers": 1, "seed": 0}

    untrained = TimeGANGenerator(seq_len=24, n_features=5, iterations=1, **small)
    trained = TimeGANGenerator(seq_len=24, n_features=5, iterations=200, **small)
    scores = []
    for generator in (untrained, trained):
        fake = generator.fit(real, progress=False).generate(500)
        # The post-hoc classifier's own seed moves one score by up to 0.1;
        # three of them make the comparison about the generator.
        scores.append(
            np.mean(
                [
                    discriminative_score(real, fake, iterations=500, seed=seed)
                    for seed in range(3)
                ]
            )
        )
    # Measured: untrained windows are nearly constant (score about 0.40);
    # 200 iterations per phase follow the sines' spread (about 0.21).
    assert scores[1] < scores[0] - 0.1
