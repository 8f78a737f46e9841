"""TimeGAN on jax behind the front door, and the time-series scores on jax.

Fits here are tiny (a few iterations of one-layer networks): they check
behaviour. Compiling the training steps costs seconds per shape, so nearly
every fit uses the same shapes: windows of 12 steps and 3 features, batches
of 32 and at most 128 windows (the backend pads the windows to a power of
two), and the compiled steps are shared between fits.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from genesis._io import read_model_file
from genesis._registry import get_registry
from genesis.errors import (
    InvalidConfigError,
    InvalidDataError,
    ModelFileError,
    NotFittedError,
)
from genesis.evaluation import discriminative_score, predictive_score, temporal_score
from genesis.generators.timeseries import STAGES, TimeGANGenerator
from genesis.protocols import ProgressEvent

jax = pytest.importorskip("jax")

from genesis_jax import timegan  # noqa: E402

SEQ_LEN, N_FEATURES = 12, 3
TINY = {"hidden_dim": 8, "num_layers": 1, "batch_size": 32, "iterations": 3}


def sines(n: int, seq_len: int = 24, n_features: int = 5, seed: int = 0) -> np.ndarray:
    """The TimeGAN paper's sines: ``sin(f t + p)``, f and p uniform on (0, 0.1)."""
    rng = np.random.default_rng(seed)
    frequency = rng.uniform(0, 0.1, size=(n, 1, n_features))
    phase = rng.uniform(0, 0.1, size=(n, 1, n_features))
    steps = np.arange(seq_len)[None, :, None]
    return np.sin(frequency * steps + phase)


def tiny(**changes: object) -> TimeGANGenerator:
    """A tiny jax TimeGAN on windows of 12 steps and 3 features."""
    arguments = {"seed": 0, **TINY, **changes}
    return TimeGANGenerator(SEQ_LEN, N_FEATURES, backend="jax", **arguments)


@pytest.fixture(scope="module")
def shop_windows() -> np.ndarray:
    """Windows in units far from [0, 1]: sales around 100, visits around 300."""
    wave = sines(100, seq_len=SEQ_LEN, n_features=N_FEATURES, seed=1)
    return np.array([100.0, 300.0, 9.5]) + wave * np.array([20.0, 40.0, 0.5])


@pytest.fixture(scope="module")
def fitted(shop_windows: np.ndarray) -> TimeGANGenerator:
    return tiny().fit(shop_windows, progress=False)


# -- the generator -----------------------------------------------------------


def test_jax_plugin_registers_timegan() -> None:
    assert get_registry().generators.get("timegan", "jax") is timegan.TimeGANGenerator


def test_generate_gives_windows_in_the_training_units(
    fitted: TimeGANGenerator, shop_windows: np.ndarray
) -> None:
    synthetic = fitted.generate(7)
    assert fitted.backend_ == "jax"
    assert synthetic.shape == (7, SEQ_LEN, N_FEATURES)
    assert synthetic.dtype == np.float64
    # Outputs are sigmoids scaled back by the training range, so each
    # feature stays inside what it was trained on.
    low, high = shop_windows.min(axis=(0, 1)), shop_windows.max(axis=(0, 1))
    assert (synthetic >= low).all() and (synthetic <= high).all()
    assert fitted.generate(0).shape == (0, SEQ_LEN, N_FEATURES)


def test_same_seed_gives_the_same_sequences(shop_windows: np.ndarray) -> None:
    def fit_and_generate(seed: int) -> np.ndarray:
        return tiny(seed=seed).fit(shop_windows, progress=False).generate(5)

    first = fit_and_generate(11)
    np.testing.assert_array_equal(first, fit_and_generate(11))
    assert not np.allclose(first, fit_and_generate(12))


def test_generate_with_a_seed_repeats_its_draw(fitted: TimeGANGenerator) -> None:
    np.testing.assert_array_equal(
        fitted.generate(4, seed=9), fitted.generate(4, seed=9)
    )
    # Without a seed, each call draws on from the generator's own stream.
    assert not np.array_equal(fitted.generate(4), fitted.generate(4))


def test_progress_reports_the_three_phases_in_epochs(
    shop_windows: np.ndarray,
) -> None:
    events: list[ProgressEvent] = []
    generator = tiny(iterations=None, epochs=2)
    generator.fit(shop_windows, progress=events.append)

    # 100 windows in batches of 32 make 4 batches per epoch, 8 per phase.
    assert [e.stage for e in events] == [s for s in STAGES for _ in range(2)]
    assert {(e.step, e.total) for e in events} == {(4, 8), (8, 8)}
    assert set(events[-1].losses) == set(timegan.JOINT_LOSSES)
    assert [h["stage"] for h in generator.loss_history_] == [e.stage for e in events]
    assert all(np.isfinite(v) for v in events[-1].losses.values())


def test_lstm_cells_train_save_and_load(
    shop_windows: np.ndarray, tmp_path: Path
) -> None:
    generator = tiny(module="lstm").fit(shop_windows, progress=False)
    generator.save(tmp_path / "lstm.genesis")
    loaded = TimeGANGenerator.load(tmp_path / "lstm.genesis")

    np.testing.assert_array_equal(
        loaded.generate(3, seed=2), generator.generate(3, seed=2)
    )
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
            "price": np.round(rng.uniform(2.0, 3.0, 120), 2),
        }
    )
    return frame.sample(frac=1.0, random_state=0).reset_index(drop=True)


def test_long_frame_comes_back_as_a_long_frame(tmp_path: Path) -> None:
    frame = store_frame()
    generator = tiny()
    generator.fit(frame, entity_column="store", time_column="day", progress=False)
    synthetic = generator.generate(4, seed=1)

    assert generator.n_windows_ == 3 * (40 - SEQ_LEN + 1)
    assert list(synthetic.columns) == list(frame.columns)
    assert (synthetic.dtypes == frame.dtypes).all()
    assert len(synthetic) == 4 * SEQ_LEN
    assert synthetic["store"].nunique() == 4
    first = synthetic[synthetic["store"] == synthetic["store"].iloc[0]]
    expected = pd.date_range("2024-03-01", periods=SEQ_LEN, tz="Europe/Paris")
    assert list(first["day"]) == list(expected)
    assert synthetic["sales"].between(frame["sales"].min(), frame["sales"].max()).all()

    generator.save(tmp_path / "frame.genesis")
    loaded = TimeGANGenerator.load(tmp_path / "frame.genesis")
    pd.testing.assert_frame_equal(loaded.generate(4, seed=1), synthetic)


# -- saving and the other backend --------------------------------------------


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
    assert loaded.backend_ == "jax"
    arrays, _ = read_model_file(path)
    names = {name.split(".")[1] for name in arrays if name.startswith("impl.")}
    assert names == set(timegan.NETWORK_NAMES)
    assert arrays["impl.supervisor.rnn.layers.0.recurrent_bias"].shape == (24,)


@pytest.mark.parametrize("module", ["gru", "lstm"])
def test_torch_weights_give_the_same_windows_on_jax(module: str) -> None:
    torch = pytest.importorskip("torch")
    from genesis_torch import timegan as torch_timegan

    config = {"module": module, "hidden_dim": 8, "num_layers": 2}
    networks = torch_timegan.TimeGANNetworks.build(
        config, N_FEATURES, torch.device("cpu"), torch.Generator().manual_seed(0)
    )
    noise = np.random.default_rng(0).random((5, SEQ_LEN, N_FEATURES), np.float32)
    with torch.no_grad():
        latent = networks.supervisor(networks.generator(torch.as_tensor(noise)))
        expected = networks.recovery(latent).numpy()

    template = timegan.init_networks(np.random.default_rng(1), config, N_FEATURES)
    params = timegan.load_network_arrays(
        template, torch_timegan.network_arrays(networks)
    )
    steps = timegan.steps_for(module)
    latent = steps.apply("supervisor", params, steps.apply("generator", params, noise))
    windows = steps.apply("recovery", params, latent)
    # Same weights, same cells: only float32 rounding differs.
    np.testing.assert_allclose(np.asarray(windows), expected, atol=1e-5)


@pytest.mark.parametrize("module", ["gru", "lstm"])
@pytest.mark.parametrize("trained", ["weights and inputs", "inputs only"])
def test_a_layer_gives_the_gradient_of_its_plain_scan(
    module: str, trained: str
) -> None:
    # The layer runs a faster form of its scan when nothing is
    # differentiated and a hand-written backward pass when something is;
    # its gradient must be the plain scan's (to float32 rounding), including
    # the case where its weights are held fixed (a network a gradient only
    # passes through) and the backward pass leaves their gradient out.
    jnp = jax.numpy
    config = {"module": module, "hidden_dim": 8, "num_layers": 2}
    params = timegan.init_networks(np.random.default_rng(0), config, N_FEATURES)
    layer = params["discriminator"]["rnn"][1]
    rng = np.random.default_rng(1)
    inputs = jnp.asarray(rng.random((SEQ_LEN, 5, 8)), jnp.float32)
    target = jnp.asarray(rng.random((SEQ_LEN, 5, 8)), jnp.float32)
    fast = timegan._gru_layer if module == "gru" else timegan._lstm_layer
    plain = timegan._gru_scan if module == "gru" else timegan._lstm_scan

    argnums = (0, 1) if trained == "weights and inputs" else 1
    got = jax.grad(
        lambda weights, values: jnp.square(fast(weights, values) - target).sum(),
        argnums=argnums,
    )(layer, inputs)
    expected = jax.grad(
        lambda weights, values: jnp.square(
            plain(weights, values, False) - target
        ).sum(),
        argnums=argnums,
    )(layer, inputs)
    for got_leaf, expected_leaf in zip(
        jax.tree.leaves(got), jax.tree.leaves(expected), strict=True
    ):
        assert np.abs(np.asarray(expected_leaf)).max() > 0
        np.testing.assert_allclose(got_leaf, expected_leaf, rtol=1e-5, atol=1e-6)
    expected_outputs = plain(layer, inputs, False)
    differentiated_outputs, _ = jax.vjp(fast, layer, inputs)
    for outputs in (fast(layer, inputs), differentiated_outputs):
        np.testing.assert_allclose(outputs, expected_outputs, rtol=0, atol=1e-6)


def test_a_torch_file_loads_on_jax(shop_windows: np.ndarray, tmp_path: Path) -> None:
    pytest.importorskip("genesis_torch")
    arguments = {"seed": 0, **TINY}
    trained = TimeGANGenerator(SEQ_LEN, N_FEATURES, backend="torch", **arguments)
    trained.fit(shop_windows, progress=False).save(tmp_path / "torch.genesis")

    loaded = TimeGANGenerator.load(tmp_path / "torch.genesis", backend="jax")
    synthetic = loaded.generate(50, seed=0)
    assert loaded.backend_ == "jax"
    assert loaded.loss_history_ == trained.loss_history_
    # The noise streams differ between backends, so compare what the
    # windows look like: the same networks give the same per-feature mean.
    np.testing.assert_allclose(
        synthetic.mean(axis=(0, 1)),
        trained.generate(50, seed=0).mean(axis=(0, 1)),
        rtol=0.01,
    )


def test_a_misshapen_array_in_the_file_is_refused(
    fitted: TimeGANGenerator,
) -> None:
    arrays, state = fitted._fitted().get_state()
    arrays["generator.output.bias"] = np.zeros(3, np.float32)
    with pytest.raises(ModelFileError, match=r"generator\.output\.bias"):
        timegan.TimeGANGenerator.from_state(fitted.config, arrays, state)
    del arrays["generator.output.bias"]
    with pytest.raises(ModelFileError, match="has no array"):
        timegan.TimeGANGenerator.from_state(fitted.config, arrays, state)


# -- bad inputs --------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (np.zeros((40, 3)), r"3-D array .* data\[np\.newaxis\]"),
        (np.zeros((5, 20, 4)), r"4 features .* n_features=4"),
        (np.zeros((5, 8, 3)), r"8 time steps, fewer than seq_len=12"),
        (np.full((5, 20, 3), np.nan), r"feature 0 \(100 NaN"),
    ],
    ids=["2-d", "features", "short", "nan"],
)
def test_bad_data_is_refused_before_training(data: np.ndarray, message: str) -> None:
    with pytest.raises(InvalidDataError, match=message):
        tiny().fit(data, progress=False)


def test_the_backend_refuses_a_table_and_an_unfitted_generate() -> None:
    generator = timegan.TimeGANGenerator(TINY, seed=0)
    with pytest.raises(NotFittedError, match="call fit"):
        generator.generate(3, rng=np.random.default_rng(0))
    with pytest.raises(InvalidDataError, match="learns sequences"):
        generator.fit(np.zeros((10, 3), np.float32))


def test_an_unknown_device_is_refused() -> None:
    with pytest.raises(InvalidConfigError, match="device='tpu:x'"):
        timegan.TimeGANGenerator(TINY, device="tpu:x")


# -- the scores on jax ---------------------------------------------------------

# 400 classifier iterations on windows of 12 steps instead of the paper's
# 2,000 on 24: enough to tell the cases below apart, and quick.
QUICK = 400


Pair = tuple[np.ndarray, np.ndarray]


@pytest.fixture(scope="module")
def real_and_other() -> Pair:
    return sines(300, seq_len=12, seed=0), sines(300, seq_len=12, seed=1)


def test_discriminative_score_tells_noise_from_sines(real_and_other: Pair) -> None:
    real, other = real_and_other
    noise = np.random.default_rng(2).uniform(-1, 1, real.shape)
    assert discriminative_score(real, other, iterations=QUICK, backend="jax") < 0.1
    assert discriminative_score(real, noise, iterations=QUICK, backend="jax") > 0.3


def test_scores_repeat_with_their_seed(real_and_other: Pair) -> None:
    real, other = real_and_other
    score = {"iterations": 20, "seed": 3, "backend": "jax"}
    first = discriminative_score(real, other, **score)
    assert discriminative_score(real, other, **score) == first
    first = predictive_score(real, other, **score)
    assert predictive_score(real, other, **score) == first


def test_temporal_score_tells_shuffled_steps_from_real_ones(
    real_and_other: Pair,
) -> None:
    real, other = real_and_other
    shuffled = real[:, np.random.default_rng(3).permutation(real.shape[1])]

    alike = temporal_score(real, other, iterations=QUICK, backend="jax")
    broken = temporal_score(real, shuffled, iterations=QUICK, backend="jax")
    assert alike.discriminative < 0.1
    assert 0.9 < alike.step_ratio < 1.1
    assert broken.discriminative > 0.3
    # Shuffled smooth series jump between distant values at every step.
    assert broken.step_ratio > 3


def test_predictive_score_prefers_synthetic_data_with_real_dynamics(
    real_and_other: Pair,
) -> None:
    real, other = real_and_other
    noise = np.random.default_rng(2).uniform(-1, 1, real.shape)
    score = {"target": "all", "iterations": QUICK, "backend": "jax"}
    assert predictive_score(real, other, **score) < predictive_score(
        real, noise, **score
    )


def test_training_beats_an_untrained_model_on_sines() -> None:
    real = sines(500, seed=0)
    small = {"hidden_dim": 12, "num_layers": 1, "seed": 0, "backend": "jax"}

    def score(iterations: int) -> float:
        generator = TimeGANGenerator(24, 5, iterations=iterations, **small)
        synthetic = generator.fit(real, progress=False).generate(500, seed=0)
        return discriminative_score(real, synthetic, iterations=500, backend="jax")

    untrained, trained = score(1), score(200)
    # An untrained model gives near-constant windows (score about 0.4).
    # After 60 iterations per phase they are still near-constant (spread
    # 0.0006); after 200 they move (spread 0.2) and score about 0.12.
    assert trained < untrained - 0.1


def test_scores_follow_genesis_backend(
    real_and_other: Pair, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = real_and_other[0]
    noise = np.random.default_rng(2).uniform(-1, 1, real.shape)
    on_jax = discriminative_score(real, noise, iterations=20, backend="jax")
    monkeypatch.setenv("GENESIS_BACKEND", "jax")
    # The same seed on the same backend gives the same score, while torch's
    # classifier draws other batches and initial values (0.017 against
    # jax's 0.225 here), so equal scores mean jax ran.
    assert discriminative_score(real, noise, iterations=20) == on_jax
    if get_registry().generators.backends_for("timegan") != ["jax"]:
        on_torch = discriminative_score(real, noise, iterations=20, backend="torch")
        assert on_torch != on_jax
