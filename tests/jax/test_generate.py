"""Generation on JAX: columns, conditions, saved state and errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from genesis.errors import InvalidDataError, NotFittedError
from genesis_jax import CTGANGenerator, TVAEGenerator
from tests.jax.conftest import BOTH, Shop, fitted


@BOTH
def test_generate_before_fit_is_an_error(implementation: type) -> None:
    with pytest.raises(NotFittedError, match="call fit"):
        implementation(device="cpu").generate(5, rng=np.random.default_rng(0))


@BOTH
def test_generate_returns_every_prepared_column_with_its_dtype(
    implementation: type, shop: Shop
) -> None:
    preparer, prepared = shop
    rows = fitted(implementation, prepared).generate(123, rng=np.random.default_rng(0))
    assert list(rows) == prepared.keys
    assert rows["channel"].dtype == np.int64
    assert rows["amount"].dtype == np.float64
    frame = preparer.inverse_transform(rows, 123, np.random.default_rng(1))
    assert len(frame) == 123
    assert set(frame["channel"]) <= {"web", "store", "phone"}
    assert frame["items"].dtype == np.int64
    assert frame["member"].dtype == bool


@BOTH
def test_zero_rows_is_an_empty_result(implementation: type, shop: Shop) -> None:
    _, prepared = shop
    rows = fitted(implementation, prepared).generate(0, rng=np.random.default_rng(0))
    assert all(len(values) == 0 for values in rows.values())


@BOTH
def test_condition_on_a_discrete_column_gives_only_that_value(
    implementation: type, shop: Shop
) -> None:
    preparer, prepared = shop
    phone = preparer.plans[0].categories.index("phone")
    generator = fitted(implementation, prepared, epochs=5)
    rows = generator.generate(
        300, rng=np.random.default_rng(0), conditions={"channel": phone}
    )
    assert len(rows["channel"]) == 300
    assert set(rows["channel"].tolist()) == {phone}


@BOTH
def test_condition_on_a_range_keeps_rows_inside_it(
    implementation: type, shop: Shop
) -> None:
    _, prepared = shop
    generator = fitted(implementation, prepared, epochs=5)
    low, high = np.quantile(prepared["amount"].values, [0.2, 0.8])
    rows = generator.generate(
        200, rng=np.random.default_rng(0), conditions={"amount": (low, high)}
    )
    assert rows["amount"].min() >= low
    assert rows["amount"].max() <= high


def test_bad_conditions_name_the_column(shop: Shop) -> None:
    _, prepared = shop
    generator = fitted(CTGANGenerator, prepared)
    with pytest.raises(InvalidDataError, match="codes 0 to 2"):
        generator.generate(5, rng=np.random.default_rng(0), conditions={"channel": 7})


@BOTH
def test_state_round_trip_generates_identically(
    implementation: type, shop: Shop
) -> None:
    _, prepared = shop
    original = fitted(implementation, prepared)
    arrays, state = original.get_state()
    restored = implementation.from_state(
        original.config, arrays, json.loads(json.dumps(state)), device="cpu"
    )
    for conditions in (None, {"channel": 1}):
        first = original.generate(
            300, rng=np.random.default_rng(9), conditions=conditions
        )
        second = restored.generate(
            300, rng=np.random.default_rng(9), conditions=conditions
        )
        for key in first:
            np.testing.assert_array_equal(first[key], second[key])
    assert restored.loss_history_ == original.loss_history_


def test_ctgan_state_uses_torch_names_and_layout(shop: Shop) -> None:
    _, prepared = shop
    arrays, _ = fitted(CTGANGenerator, prepared).get_state()
    # (out, in), as torch's nn.Linear: 32 outputs; inputs are 16 noise values
    # then the conditional vector, channel (3 slots) and member (2 slots).
    assert arrays["generator.layers.0.linear.weight"].shape == (32, 16 + 3 + 2)
    assert arrays["discriminator.output.weight"].shape == (1, 32)
    assert {
        "generator.layers.0.norm.scale",
        "generator.layers.0.norm.mean",
        "generator.layers.0.norm.var",
        "generator.output.bias",
        "discriminator.layers.1.weight",
        "conditions.shares",
    } <= set(arrays)
    assert all(a.dtype != object for a in arrays.values())


def test_ctgan_batch_norm_statistics_move_during_training(shop: Shop) -> None:
    _, prepared = shop
    arrays, _ = fitted(CTGANGenerator, prepared).get_state()
    # Running statistics start at mean 0 and variance 1; training moves them.
    assert np.abs(arrays["generator.layers.0.norm.mean"]).max() > 1e-3
    assert np.abs(arrays["generator.layers.0.norm.var"] - 1.0).max() > 1e-3


def test_tvae_state_keeps_one_output_scale_per_continuous_column(shop: Shop) -> None:
    _, prepared = shop
    arrays, _ = fitted(TVAEGenerator, prepared).get_state()
    assert arrays["decoder.sigma"].shape == (2,)  # amount and items
    # Scales start at 0.1 and stay inside [0.01, 1].
    assert 0.01 <= arrays["decoder.sigma"].min() <= arrays["decoder.sigma"].max() <= 1
    assert {
        "encoder.mean.weight",
        "encoder.logvar.bias",
        "decoder.output.weight",
    } <= set(arrays)


def test_decode_noise_is_deterministic_and_shaped(shop: Shop) -> None:
    _, prepared = shop
    generator = fitted(CTGANGenerator, prepared)
    noise = np.random.default_rng(0).normal(size=(7, 16)).astype(np.float32)
    slots = np.arange(7) % 5
    first = generator.decode_noise(noise, slots)
    assert first.shape == (7, generator.transformer_.output_width)
    np.testing.assert_array_equal(first, generator.decode_noise(noise, slots))
