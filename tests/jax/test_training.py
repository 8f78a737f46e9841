"""Fitting on JAX: compiled epochs and one-layer networks; what every backend
does alike is tested in ``tests/backends/test_training.py``."""

from __future__ import annotations

import sys

import jax
import numpy as np

from genesis_jax import CTGANGenerator
from tests.jax.conftest import BOTH, Shop, fitted, prepare, shop_frame


@BOTH
def test_a_second_fit_of_the_same_shapes_reuses_the_compiled_epoch(
    implementation: type, shop: Shop
) -> None:
    _, prepared = shop
    fitted(implementation, prepared, seed=1)
    again = fitted(implementation, prepared, seed=2)
    assert again.compile_seconds_ == 0.0


def test_ctgan_takes_one_layer_networks_and_a_small_table() -> None:
    # 75 rows: batches shrink to one pack of 10, and one-layer networks.
    _, prepared = prepare(shop_frame(75), ["channel"])
    generator = fitted(
        CTGANGenerator,
        prepared,
        epochs=1,
        generator_dim=(16,),
        discriminator_dim=(16,),
    )
    assert generator.batch_size_ == 10
    assert len(generator._model.generator.layers) == 1
    assert len(generator.generate(20, rng=np.random.default_rng(0))["amount"]) == 20


@BOTH
def test_a_batch_draws_on_the_host_or_from_the_key(
    implementation: type, shop: Shop
) -> None:
    # On a CPU numpy draws a batch's random values (host_draws); without an
    # rng (a GPU) the key does. Both give slots inside every one-hot span.
    _, prepared = shop
    generator = fitted(implementation, prepared)
    model, run = generator._model, generator._generate_run
    module = sys.modules[implementation.__module__]

    def batch(key: int, rng: np.random.Generator | None):
        head = (None,) if implementation is CTGANGenerator else ()
        return module.generate_batch(model, run, *head, 300, jax.random.key(key), rng)

    widths = [stop - start for start, stop in model.layout._one_hot_spans()]
    for rows, slots in (batch(0, None), batch(0, np.random.default_rng(1))):
        assert rows.shape == (300, model.layout.width)
        assert slots.shape == (300, len(widths))
        assert ((slots >= 0) & (slots < np.array(widths))).all()
    # With an rng the rows depend on it, not on the key.
    first = batch(0, np.random.default_rng(1))
    again = batch(5, np.random.default_rng(1))
    np.testing.assert_array_equal(first[0], again[0])
    np.testing.assert_array_equal(first[1], again[1])
    assert not np.array_equal(first[0], batch(0, None)[0])
