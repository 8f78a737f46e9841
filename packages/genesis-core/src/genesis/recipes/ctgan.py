"""CTGAN (Xu et al., NeurIPS 2019): the fixed parts of the method."""

from __future__ import annotations

__all__ = [
    "ADAM_BETAS",
    "CONDITIONAL_LOSS",
    "DISCRIMINATOR_LOSS",
    "DROPOUT",
    "GENERATOR_LOSS",
    "LEAKY_SLOPE",
    "LOSS_NAMES",
    "PENALTY_LOSS",
    "PENALTY_WEIGHT",
]

# The losses reported per epoch, in this order.
GENERATOR_LOSS = "generator"
DISCRIMINATOR_LOSS = "discriminator"
CONDITIONAL_LOSS = "conditional"
PENALTY_LOSS = "gradient_penalty"
LOSS_NAMES = (GENERATOR_LOSS, DISCRIMINATOR_LOSS, CONDITIONAL_LOSS, PENALTY_LOSS)

# Weight of the WGAN-GP gradient penalty.
PENALTY_WEIGHT = 10.0
# Adam's betas for both networks (the paper's WGAN-GP setting).
ADAM_BETAS = (0.5, 0.9)
# The discriminator's activations and dropout.
LEAKY_SLOPE = 0.2
DROPOUT = 0.5
