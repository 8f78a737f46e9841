"""The fixed parts of TimeGAN that both backends share: shapes and initial values."""

from __future__ import annotations

import numpy as np
import pytest

from genesis.recipes.timegan import NETWORK_NAMES, initial_weights, network_shapes

N_FEATURES, HIDDEN, LAYERS = 5, 24, 3


def weights(module: str, seed: int = 0) -> dict[str, np.ndarray]:
    config = {"module": module, "hidden_dim": HIDDEN, "num_layers": LAYERS}
    return initial_weights(np.random.default_rng(seed), config, N_FEATURES)


def test_the_supervisor_has_one_layer_fewer_and_at_least_one() -> None:
    config = {"hidden_dim": HIDDEN, "num_layers": LAYERS}
    shapes = network_shapes(config, N_FEATURES)
    assert [shapes[name].layers for name in NETWORK_NAMES] == [3, 3, 3, 2, 3]
    assert (shapes["embedder"].inputs, shapes["recovery"].outputs) == (5, 5)
    assert shapes["discriminator"].outputs == 1
    single = network_shapes({**config, "num_layers": 1}, N_FEATURES)
    assert single["supervisor"].layers == 1


@pytest.mark.parametrize(("module", "gates"), [("gru", 3), ("lstm", 4)])
def test_every_array_has_the_layout_the_backends_read(module: str, gates: int) -> None:
    arrays = weights(module)
    shapes = network_shapes({"hidden_dim": HIDDEN, "num_layers": LAYERS}, N_FEATURES)
    expected = {}
    for name, shape in shapes.items():
        for layer in range(shape.layers):
            inputs = shape.inputs if layer == 0 else HIDDEN
            prefix = f"{name}.rnn.layers.{layer}"
            expected[f"{prefix}.input_weight"] = (gates * HIDDEN, inputs)
            expected[f"{prefix}.recurrent_weight"] = (gates * HIDDEN, HIDDEN)
            expected[f"{prefix}.input_bias"] = (gates * HIDDEN,)
            expected[f"{prefix}.recurrent_bias"] = (gates * HIDDEN,)
        expected[f"{name}.output.weight"] = (shape.outputs, HIDDEN)
        expected[f"{name}.output.bias"] = (shape.outputs,)
    assert {key: value.shape for key, value in arrays.items()} == expected
    assert all(value.dtype == np.float32 for value in arrays.values())


@pytest.mark.parametrize("module", ["gru", "lstm"])
def test_every_value_starts_uniform_on_one_over_root_hidden(module: str) -> None:
    # torch's defaults for its recurrent layers, biases and output included.
    bound = HIDDEN**-0.5
    values = np.concatenate([value.ravel() for value in weights(module).values()])
    assert np.abs(values).max() <= bound
    # Uniform on [-bound, bound]: mean 0, standard deviation bound / sqrt(3).
    assert abs(values.mean()) < 0.01 * bound
    assert values.std() == pytest.approx(bound / np.sqrt(3), rel=0.02)
    for key, value in weights(module).items():
        # No array is left constant (a bias at zero, say); the
        # discriminator's one output bias is a single value.
        if value.size > 1:
            assert value.std() > 0.3 * bound, key
        else:
            assert value.item() != 0, key


def test_the_values_follow_the_generator_they_are_drawn_from() -> None:
    first, again, other = weights("gru", 0), weights("gru", 0), weights("gru", 1)
    key = "discriminator.rnn.layers.2.recurrent_weight"
    np.testing.assert_array_equal(first[key], again[key])
    assert not np.array_equal(first[key], other[key])
