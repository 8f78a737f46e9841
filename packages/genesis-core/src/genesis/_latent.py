"""Draws of the Gaussian copula's latent normal scores under conditions.

A condition on a continuous column fixes its normal score; a category of a
discrete column bounds its score to the category's interval. The other
scores are drawn from the normal conditioned on those: scores held at one
value by :func:`_conditional_normals`, scores bounded to intervals (a box)
by :func:`_box_scores`, from the normal truncated to the box.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Self

import numpy as np
from scipy import special


def _conditioning(
    correlation: np.ndarray, free: np.ndarray, fixed: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The standard normal of ``correlation`` on columns ``free`` given
    columns ``fixed``: the weights its mean takes from the fixed scores,
    and its covariance."""
    cross = correlation[np.ix_(free, fixed)]
    # pinv: two fixed columns the copula links perfectly still solve.
    weights = cross @ np.linalg.pinv(correlation[np.ix_(fixed, fixed)])
    return weights, correlation[np.ix_(free, free)] - weights @ cross.T


# Sweeps over several boxes, each a Gibbs step per column and one along each
# principal axis. Ten bring the latent means within noise of a rejection
# draw at 200,000 rows for correlations up to the copula's 0.999, where
# twenty column steps alone left them 0.04 off.
_SWEEPS = 10
# An interval whose upper end lies this many standard deviations below the
# mean is drawn through the log of the normal CDF, which does not underflow.
_LOG_TAIL = -5.0
_TINY = np.finfo(np.float64).tiny


@dataclass
class _BoxStep:
    """One column's draw inside its box, given held columns and other boxes.

    Its normal has mean ``held_mean + box_weights @ drawn`` (``drawn`` the
    current scores of the box columns, one row each) and standard deviation
    ``spread``; the held columns' part of the mean is worked out once.
    """

    low: float
    high: float
    held_mean: np.ndarray | float
    box_weights: np.ndarray
    spread: float

    @classmethod
    def given(
        cls,
        correlation: np.ndarray,
        index: int,
        box: tuple[float, float],
        held: Mapping[int, np.ndarray],
        box_columns: np.ndarray,
        others: np.ndarray,
    ) -> Self:
        """The step of column ``index`` given ``held`` and the box columns at
        positions ``others`` of ``box_columns``."""
        held_columns = np.fromiter(held, dtype=np.int64, count=len(held))
        given = np.concatenate([held_columns, box_columns[others]])
        box_weights = np.zeros(len(box_columns))
        if not len(given):
            return cls(*box, 0.0, box_weights, 1.0)
        weights, variance = _conditioning(correlation, np.array([index]), given)
        held_mean: np.ndarray | float = 0.0
        if len(held):
            held_weights = weights[0, : len(held_columns)]
            held_mean = held_weights @ np.stack([held[i] for i in held_columns])
        box_weights[others] = weights[0, len(held_columns) :]
        spread = float(np.sqrt(max(variance[0, 0], 1e-12)))
        return cls(*box, held_mean, box_weights, spread)

    def draw(self, drawn: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
        mean = self.held_mean + self.box_weights @ drawn
        return _truncated_normal(mean, self.spread, self.low, self.high, n, rng)


def _box_scores(
    correlation: np.ndarray,
    held: Mapping[int, np.ndarray],
    boxes: Mapping[int, tuple[float, float]],
    n: int,
    rng: np.random.Generator,
) -> dict[int, np.ndarray]:
    """``n`` normal scores per column of ``boxes``, each inside its
    ``(low, high)``, drawn from the standard normal of ``correlation``
    given the columns ``held`` (one score per row) and truncated to the box.

    One box is drawn exactly from its truncated conditional normal. Several
    start from such draws taken one after another, narrowest box first (each
    given those before it), and then move to the truncated joint normal by
    Gibbs sweeps: each column redrawn from its normal given all the others,
    truncated to its interval, then all of them moved together along the
    long principal axes of their normal (:class:`_BoxAxes`), where strongly
    linked columns would otherwise creep.
    """
    columns = np.fromiter(boxes, dtype=np.int64, count=len(boxes))
    # The narrowest box first: the start then leans least on the free
    # columns' own preferences, which a narrow box overrules most.
    widths = [special.ndtr(boxes[i][1]) - special.ndtr(boxes[i][0]) for i in columns]
    columns = columns[np.argsort(widths, kind="stable")]
    positions = np.arange(len(columns))
    drawn = np.zeros((len(columns), n))
    for position, index in enumerate(columns):
        step = _BoxStep.given(
            correlation, index, boxes[index], held, columns, positions[:position]
        )
        drawn[position] = step.draw(drawn, n, rng)
    if len(columns) > 1:
        steps = [
            _BoxStep.given(
                correlation, index, boxes[index], held, columns, positions != position
            )
            for position, index in enumerate(columns)
        ]
        axes = _BoxAxes.given(correlation, columns, boxes, held)
        for _ in range(_SWEEPS):
            for position, step in enumerate(steps):
                drawn[position] = step.draw(drawn, n, rng)
            axes.move(drawn, n, rng)
    return {int(index): drawn[position] for position, index in enumerate(columns)}


@dataclass
class _BoxAxes:
    """Moves of all box columns at once, along the long principal axes of
    their normal given the held columns.

    Along a line through the current scores the normal is a normal in the
    distance travelled, and the box cuts it to an interval: redrawing that
    distance is a Gibbs step in rotated coordinates, exact like the others.
    Two closely linked columns move along their shared axis in one step,
    where redrawing one column at a time creeps (by ``1 - r ** 2`` of the
    way per sweep for correlation ``r``).
    """

    centre: np.ndarray | float
    axes: np.ndarray
    spreads: np.ndarray
    lows: np.ndarray
    highs: np.ndarray

    @classmethod
    def given(
        cls,
        correlation: np.ndarray,
        columns: np.ndarray,
        boxes: Mapping[int, tuple[float, float]],
        held: Mapping[int, np.ndarray],
    ) -> Self:
        held_columns = np.fromiter(held, dtype=np.int64, count=len(held))
        centre: np.ndarray | float = 0.0
        covariance = correlation[np.ix_(columns, columns)]
        if len(held_columns):
            weights, covariance = _conditioning(correlation, columns, held_columns)
            centre = weights @ np.stack([held[i] for i in held_columns])
        variances, axes = np.linalg.eigh((covariance + covariance.T) / 2)
        # Column steps already move well across the short axes; the long
        # ones (at least the mean variance) are where they creep.
        long = variances >= variances.mean()
        variances, axes = variances[long], axes[:, long]
        spreads = np.sqrt(np.clip(variances, 1e-12, None))
        lows = np.array([boxes[i][0] for i in columns])
        highs = np.array([boxes[i][1] for i in columns])
        return cls(centre, axes, spreads, lows, highs)

    def move(self, drawn: np.ndarray, n: int, rng: np.random.Generator) -> None:
        """Move ``drawn`` (one row per box column) along each axis in turn."""
        for axis, spread in zip(self.axes.T, self.spreads, strict=True):
            along = np.abs(axis) > 1e-12
            step = axis[along][:, None]
            to_low = (self.lows[along][:, None] - drawn[along]) / step
            to_high = (self.highs[along][:, None] - drawn[along]) / step
            start = np.max(np.minimum(to_low, to_high), axis=0)
            stop = np.min(np.maximum(to_low, to_high), axis=0)
            offset = axis @ (drawn - self.centre)
            distance = _truncated_normal(-offset, spread, start, stop, n, rng)
            drawn += np.outer(axis, distance)
            np.clip(drawn, self.lows[:, None], self.highs[:, None], out=drawn)


def _truncated_normal(
    mean: np.ndarray | float,
    spread: float,
    low: np.ndarray | float,
    high: np.ndarray | float,
    n: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """``n`` draws of the normal of ``mean`` and ``spread`` truncated to
    ``[low, high]``."""
    # Sampled by the inverse CDF over the interval, in the lower tail where
    # the CDF keeps its digits (an interval above the mean is mirrored).
    a = np.broadcast_to((low - mean) / spread, n)
    b = np.broadcast_to((high - mean) / spread, n)
    flip = a > 0
    a, b = np.where(flip, -b, a), np.where(flip, -a, b)
    cdf_a, cdf_b = special.ndtr(a), special.ndtr(b)
    share = rng.random(n)
    # At least the smallest normal float: a draw of exactly 0 in an interval
    # open below would otherwise give -inf.
    u = np.maximum(cdf_a + share * (cdf_b - cdf_a), _TINY)
    standard = special.ndtri(u)
    # Far in the tail the CDF underflows to 0 and the inverse gives -inf;
    # there u is taken in logs: log u = log CDF(b) + log(s + (1 - s) q),
    # with q = CDF(a) / CDF(b).
    tail = b < _LOG_TAIL
    if tail.any():
        log_a, log_b = special.log_ndtr(a[tail]), special.log_ndtr(b[tail])
        ratio = np.exp(log_a - log_b)
        part = share[tail]
        log_u = log_b + np.log(np.maximum(part + (1.0 - part) * ratio, _TINY))
        standard[tail] = special.ndtri_exp(log_u)
    standard = np.clip(standard, a, b)
    return mean + spread * np.where(flip, -standard, standard)


def _conditional_normals(
    correlation: np.ndarray,
    scores: Mapping[int, np.ndarray],
    n: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """``(columns, n)`` normal scores with ``scores`` (one per row) fixed and
    the others drawn from the standard normal of ``correlation``
    conditioned on them."""
    fixed = np.fromiter(scores, dtype=np.int64)
    values = np.stack([scores[i] for i in fixed])
    free = np.setdiff1d(np.arange(len(correlation)), fixed)
    weights, covariance = _conditioning(correlation, free, fixed)
    # What is left is a covariance up to rounding; clipping its negative
    # eigenvalues gives a factor even where it is singular.
    eigenvalues, eigenvectors = np.linalg.eigh((covariance + covariance.T) / 2)
    factor = eigenvectors * np.sqrt(np.clip(eigenvalues, 0.0, None))
    normals = np.empty((len(correlation), n))
    normals[fixed] = values
    normals[free] = weights @ values + factor @ rng.standard_normal((len(free), n))
    return normals
