"""Training precision on JAX: bfloat16 products while training, float32 after.

``training_precision`` "bfloat16" is tested on every CPU: XLA emulates
bfloat16 where the CPU has no units for it, so only the speed differs.
"""

from __future__ import annotations

import logging

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from genesis.training import bfloat16_arithmetic, trains_in_bfloat16
from genesis_jax import TVAEGenerator
from genesis_jax._common import Dense, precision_graph, product
from tests.jax.conftest import BOTH, SMALL_TVAE, Shop, fitted

PRECISIONS = pytest.mark.parametrize(
    ("precision", "expected"), [("float32", False), ("bfloat16", True)]
)


def rounded(values: np.ndarray) -> np.ndarray:
    """``values`` rounded to bfloat16 and back to float32."""
    return np.asarray(jnp.asarray(values).astype(jnp.bfloat16).astype(jnp.float32))


def test_bfloat16_product_rounds_only_its_inputs() -> None:
    rng = np.random.default_rng(0)
    inputs = rng.normal(size=(64, 96)).astype(np.float32)
    kernel = rng.normal(size=(96, 32)).astype(np.float32)

    result = np.asarray(product(jnp.asarray(inputs), jnp.asarray(kernel), True))

    assert result.dtype == np.float32
    expected = rounded(inputs).astype(np.float64) @ rounded(kernel)
    # float32 sums of 96 terms of order 1: differences near 1e-5.
    np.testing.assert_allclose(result, expected, atol=1e-4)
    # Rounding changes the product by about 2**-8 relative per term.
    assert np.abs(result - inputs @ kernel).max() > 1e-3


def test_bfloat16_product_gradients_are_float32_products() -> None:
    rng = np.random.default_rng(1)
    inputs = rng.normal(size=(16, 24)).astype(np.float32)
    kernel = rng.normal(size=(24, 8)).astype(np.float32)
    weights = rng.normal(size=(16, 8)).astype(np.float32)

    def loss(x: jax.Array, k: jax.Array) -> jax.Array:
        return (product(x, k, True) * weights).sum()

    inputs_grad, kernel_grad = jax.grad(loss, argnums=(0, 1))(inputs, kernel)

    assert inputs_grad.dtype == kernel_grad.dtype == jnp.float32
    # float32 sums of 8 and 16 terms of order 1: differences near 1e-6.
    np.testing.assert_allclose(inputs_grad, weights @ kernel.T, atol=1e-5)
    wanted = rounded(inputs).T.astype(np.float64) @ rounded(weights)
    np.testing.assert_allclose(kernel_grad, wanted, atol=1e-5)
    assert np.abs(kernel_grad - inputs.T @ weights).max() > 1e-4


def test_precision_graph_leaves_the_module_in_float32() -> None:
    layer = Dense(4, 3, rng=np.random.default_rng(0))
    graph = precision_graph(layer, bfloat16=True)

    assert layer.bfloat16 is False
    assert nnx.merge(graph, nnx.state(layer)).bfloat16 is True


@BOTH
def test_bfloat16_fit_trains_to_other_finite_losses(
    implementation: type, shop: Shop
) -> None:
    _, prepared = shop
    exact = fitted(implementation, prepared, training_precision="float32")
    mixed = fitted(implementation, prepared, training_precision="bfloat16")

    for first, second in zip(exact.loss_history_, mixed.loss_history_, strict=True):
        losses = [first[k] for k in first if k != "epoch"]
        others = [second[k] for k in first if k != "epoch"]
        assert np.all(np.isfinite(others))
        assert losses != others
        # Two epochs from the same weights: rounding the products' inputs
        # moves each mean loss by far less than training does.
        np.testing.assert_allclose(others, losses, rtol=0.2, atol=0.05)


@BOTH
@PRECISIONS
def test_mixed_precision_reports_the_precision_used(
    implementation: type,
    shop: Shop,
    precision: str,
    expected: bool,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _, prepared = shop
    with caplog.at_level(logging.INFO, logger="genesis_jax"):
        generator = fitted(implementation, prepared, training_precision=precision)
    assert generator.mixed_precision_ is expected
    assert f"({precision} matrix products)" in caplog.text


def test_auto_precision_follows_the_cpu(shop: Shop) -> None:
    # XLA's bfloat16 products return float32, so any CPU with bfloat16
    # instructions qualifies, not only those with AMX units as for torch.
    _, prepared = shop
    generator = fitted(TVAEGenerator, prepared, training_precision="auto")
    assert generator.mixed_precision_ is bfloat16_arithmetic()
    assert bfloat16_arithmetic() >= trains_in_bfloat16("auto", "cpu")


def test_tvae_decodes_in_float32_after_a_bfloat16_fit(shop: Shop) -> None:
    _, prepared = shop
    generator = fitted(TVAEGenerator, prepared, training_precision="bfloat16")
    arrays = generator._network_arrays(generator._fitted_model())
    width = SMALL_TVAE["embedding_dim"]
    noise = np.random.default_rng(2).normal(size=(64, width)).astype(np.float32)
    layers = [f"layers.{i}" for i in range(len(SMALL_TVAE["decompress_dims"]))]

    def decoded(round_inputs: bool) -> np.ndarray:
        keep = rounded if round_inputs else np.asarray
        hidden = noise
        for name in [*layers, "output"]:
            weight = arrays[f"decoder.{name}.weight"]
            hidden = keep(hidden) @ keep(weight.T) + arrays[f"decoder.{name}.bias"]
            if name != "output":
                hidden = np.maximum(hidden, 0.0)
        return hidden

    raw = generator.decode_noise(noise)
    assert raw.dtype == np.float32
    # float32 in another summation order: about 1e-6 on outputs of order 1.
    np.testing.assert_allclose(raw, decoded(round_inputs=False), atol=1e-4)
    assert np.abs(raw - decoded(round_inputs=True)).max() > 1e-3


@BOTH
def test_generation_after_a_bfloat16_fit_is_reproducible(
    implementation: type, shop: Shop
) -> None:
    _, prepared = shop
    generator = fitted(implementation, prepared, training_precision="bfloat16")
    first = generator.generate(300, rng=np.random.default_rng(4))
    second = generator.generate(300, rng=np.random.default_rng(4))
    for key in first:
        np.testing.assert_array_equal(first[key], second[key])
