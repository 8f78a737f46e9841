"""TVAE (Xu et al., NeurIPS 2019): the fixed parts of the method."""

from __future__ import annotations

__all__ = [
    "ADAM_BETAS",
    "KL_LOSS",
    "LEARNING_RATE",
    "LOSS_NAMES",
    "RECONSTRUCTION_LOSS",
    "SIGMA_RANGE",
    "SIGMA_START",
    "TOTAL_LOSS",
]

# The losses reported per epoch, in this order.
TOTAL_LOSS = "loss"
RECONSTRUCTION_LOSS = "reconstruction"
KL_LOSS = "kl"
LOSS_NAMES = (TOTAL_LOSS, RECONSTRUCTION_LOSS, KL_LOSS)

LEARNING_RATE = 1e-3
ADAM_BETAS = (0.9, 0.999)
# Initial output scale of every continuous scalar.
SIGMA_START = 0.1
# Output scales are kept in this range so that the Gaussian likelihood of a
# scalar neither explodes (sigma to 0) nor stops teaching anything.
SIGMA_RANGE = (0.01, 1.0)
