"""What only jax's TimeGAN does: torch's weights and files, its hand-written
backward pass, and the scores' choice of backend. What every backend does
alike is tested in ``tests/backends/test_timegan.py``.

Fits use the shapes of the shared tests (windows of 12 steps and 3
features, batches of 32, at most 128 windows), so compiled steps are reused.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from genesis._registry import get_registry
from genesis.errors import (
    ModelFileError,
)
from genesis.evaluation import discriminative_score
from genesis.generators.timeseries import TimeGANGenerator
from genesis.recipes.timegan import initial_weights
from tests.tables import sines

jax = pytest.importorskip("jax")

from genesis_jax import timegan  # noqa: E402

SEQ_LEN, N_FEATURES = 12, 3
TINY = {"hidden_dim": 8, "num_layers": 1, "batch_size": 32, "iterations": 3}


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


@pytest.mark.parametrize("module", ["gru", "lstm"])
def test_torch_weights_give_the_same_windows_on_jax(module: str) -> None:
    torch = pytest.importorskip("torch")
    from genesis_torch import timegan as torch_timegan

    config = {"module": module, "hidden_dim": 8, "num_layers": 2}
    # Random values everywhere, biases included, so that every entry's
    # place in the layout is checked, not only the kernels'.
    rng = np.random.default_rng(0)
    weights = {
        key: rng.uniform(-0.5, 0.5, value.shape).astype(np.float32)
        for key, value in initial_weights(rng, config, N_FEATURES).items()
    }
    networks = torch_timegan.TimeGANNetworks.build(
        config, N_FEATURES, torch.device("cpu"), weights
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
def test_both_backends_start_from_the_same_weights(module: str) -> None:
    torch = pytest.importorskip("torch")
    from genesis_torch import timegan as torch_timegan

    config = {"module": module, "hidden_dim": 8, "num_layers": 3}
    expected = initial_weights(np.random.default_rng(7), config, N_FEATURES)
    jax_arrays = timegan.network_arrays(
        timegan.init_networks(np.random.default_rng(7), config, N_FEATURES)
    )
    networks = torch_timegan.TimeGANNetworks.build(
        config, N_FEATURES, torch.device("cpu"), expected
    )
    torch_arrays = torch_timegan.network_arrays(networks)
    assert jax_arrays.keys() == torch_arrays.keys() == expected.keys()
    for key, value in expected.items():
        np.testing.assert_array_equal(jax_arrays[key], value, err_msg=key)
        np.testing.assert_array_equal(torch_arrays[key], value, err_msg=key)


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


# -- the scores' backend ------------------------------------------------------


Pair = tuple[np.ndarray, np.ndarray]


@pytest.fixture(scope="module")
def real_and_other() -> Pair:
    return sines(300, seq_len=12, seed=0), sines(300, seq_len=12, seed=1)


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
