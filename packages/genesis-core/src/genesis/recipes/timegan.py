"""TimeGAN (Yoon et al., NeurIPS 2019): the fixed parts of the method."""

from __future__ import annotations

__all__ = [
    "ADAM_BETAS",
    "DISCRIMINATOR_THRESHOLD",
    "EMBEDDER_SUPERVISED_WEIGHT",
    "GAMMA",
    "GENERATOR_STEPS_PER_ITERATION",
    "GENERATOR_SUPERVISED_WEIGHT",
    "JOINT_LOSSES",
    "LEARNING_RATE",
    "MOMENT_WEIGHT",
    "NETWORK_NAMES",
    "RECONSTRUCTION_WEIGHT",
    "VARIANCE_EPSILON",
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
