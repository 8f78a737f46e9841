"""TimeGAN (Yoon et al., NeurIPS 2019): the fixed parts of the method."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "ADAM_BETAS",
    "DISCRIMINATOR_THRESHOLD",
    "EMBEDDER_SUPERVISED_WEIGHT",
    "GAMMA",
    "GATES",
    "GENERATOR_STEPS_PER_ITERATION",
    "GENERATOR_SUPERVISED_WEIGHT",
    "JOINT_LOSSES",
    "LEARNING_RATE",
    "MOMENT_WEIGHT",
    "NETWORK_NAMES",
    "RECONSTRUCTION_WEIGHT",
    "VARIANCE_EPSILON",
    "NetworkShape",
    "initial_weights",
    "network_shapes",
]

# The five networks, in the order a saved model lists them.
NETWORK_NAMES = ("embedder", "recovery", "generator", "supervisor", "discriminator")

LEARNING_RATE = 1e-3
ADAM_BETAS = (0.9, 0.999)
# Weights of the paper's losses: the unsupervised adversarial loss on the
# generator's raw latent (gamma), the supervised and moment losses in the
# generator's objective, the reconstruction in the embedder's, and the
# supervised loss added to the embedder's.
GAMMA = 1.0
GENERATOR_SUPERVISED_WEIGHT = 100.0
MOMENT_WEIGHT = 100.0
RECONSTRUCTION_WEIGHT = 10.0
EMBEDDER_SUPERVISED_WEIGHT = 0.1
# The discriminator is updated only while its loss is above this, so that
# it does not overpower the generator (the reference design's rule).
DISCRIMINATOR_THRESHOLD = 0.15
# Keeps the square root of a variance differentiable at zero.
VARIANCE_EPSILON = 1e-6
# Generator and embedder updates per joint iteration (one discriminator's).
GENERATOR_STEPS_PER_ITERATION = 2

# The losses a joint-phase progress event carries.
JOINT_LOSSES = (
    "generator",
    "adversarial",
    "supervised",
    "moments",
    "reconstruction",
    "discriminator",
)


# Gate blocks per recurrent cell, stacked in this order in every weight:
# reset, update, candidate for a GRU; input, forget, cell, output for an LSTM.
GATES = {"gru": 3, "lstm": 4}


@dataclass(frozen=True)
class NetworkShape:
    """What one network reads and writes, and how many recurrent layers it has."""

    inputs: int
    layers: int
    outputs: int


def network_shapes(
    config: Mapping[str, Any], n_features: int
) -> dict[str, NetworkShape]:
    """The five networks' shapes for ``config`` and ``n_features``.

    The supervisor has one recurrent layer fewer than the others (at least
    one), as in the paper's code.
    """
    hidden, layers = config["hidden_dim"], config["num_layers"]
    return {
        "embedder": NetworkShape(n_features, layers, hidden),
        "recovery": NetworkShape(hidden, layers, n_features),
        "generator": NetworkShape(n_features, layers, hidden),
        "supervisor": NetworkShape(hidden, max(1, layers - 1), hidden),
        "discriminator": NetworkShape(hidden, layers, 1),
    }


def initial_weights(
    rng: np.random.Generator, config: Mapping[str, Any], n_features: int
) -> dict[str, np.ndarray]:
    """Initial values of the five networks, under their backend-neutral names.

    Both backends start from these, so that one seed gives one starting
    point on either. They are torch's defaults for its recurrent layers:
    every weight and bias, the dense output layer's too, uniform on
    ``+-1 / sqrt(hidden_dim)``, drawn in the order the names list them.
    """
    hidden = config["hidden_dim"]
    width = GATES[config["module"]] * hidden
    bound = hidden**-0.5
    arrays: dict[str, np.ndarray] = {}

    def draw(key: str, *size: int) -> None:
        arrays[key] = rng.uniform(-bound, bound, size).astype(np.float32)

    for name, shape in network_shapes(config, n_features).items():
        for layer in range(shape.layers):
            inputs = shape.inputs if layer == 0 else hidden
            prefix = f"{name}.rnn.layers.{layer}"
            draw(f"{prefix}.input_weight", width, inputs)
            draw(f"{prefix}.recurrent_weight", width, hidden)
            draw(f"{prefix}.input_bias", width)
            draw(f"{prefix}.recurrent_bias", width)
        draw(f"{name}.output.weight", shape.outputs, hidden)
        draw(f"{name}.output.bias", shape.outputs)
    return arrays
