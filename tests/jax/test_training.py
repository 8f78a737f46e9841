"""Fitting on JAX: compiled epochs and one-layer networks; what every backend
does alike is tested in ``tests/backends/test_training.py``."""

from __future__ import annotations

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
