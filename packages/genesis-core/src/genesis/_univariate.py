"""Univariate fits for the copula's continuous marginals.

A continuous marginal's non-atom part is fitted either with the scipy.stats
family of the lowest Kolmogorov-Smirnov statistic (bounded to the observed
range) or with a Gaussian kernel density evaluated on a binned grid. Both end
as a monotone grid of points, which the copula turns into its inverse CDF.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import optimize, signal, special, stats

__all__ = [
    "FAMILIES",
    "GAUSSIAN_KDE",
    "GRID_POINTS",
    "PARAMETRIC",
    "FittedPart",
    "fit_part",
]

logger = logging.getLogger(__name__)

PARAMETRIC = "parametric"
GAUSSIAN_KDE = "gaussian_kde"
FAMILIES = ("norm", "truncnorm", "beta", "gamma", "lognorm", "uniform")

# Family fits and their KS statistics use at most this many rows.
_FIT_ROWS = 2_000
# A family is kept when a KS test at the 5 % level does not reject it: its
# statistic stays under this constant over the square root of the rows.
_KS_CRITICAL = 1.358
# Points of the regular grid a kernel density is evaluated on, or kernels
# summed where that grid is too coarse.
_KDE_BINS = 4_096
_KDE_CENTRES = 512
# Silverman's constant in the robust bandwidth rule.
_KDE_ROBUST = 0.9
# Fractions of that rule's bandwidth tried by leave-one-out likelihood, and
# most values scored (the cost grows with their square).
_CV_FRACTIONS = (1.0, 0.5, 0.25, 0.125, 0.0625)
_CV_ROWS = 500
# Offsets below the minimum (share of the range) tried as the location of the
# families that start at their location, gamma and lognorm.
_LOCATION_OFFSETS = (1e-3, 1e-2, 1e-1, 1.0)
# Margin (share of the range) around the data for beta, whose density may be
# infinite at its bounds.
_BETA_MARGIN = 1e-3
# Past this scale (in units of the range) a truncated normal is flat.
_MAX_TRUNCNORM_SCALE = 10.0
# Tail probability where an unbounded marginal's grid stops.
_TAIL = 1e-6
# Evenly spaced points of a marginal's grid (more are added at quantiles).
GRID_POINTS = 513


@dataclass
class FittedPart:
    """The continuous part of a column, in scaled units where its data spans [0, 1].

    Attributes:
        distribution: Family name or ``"gaussian_kde"``.
        params: The fitted parameters, for the record.
        cdf: Its CDF, 0 at ``low`` and 1 at ``high``.
        low, high: The support its grid covers.
        points: Where the CDF changes fast, for the grid.
        ks: KS statistic on the fitting rows.
    """

    distribution: str
    params: dict[str, float]
    cdf: Callable[[np.ndarray], np.ndarray]
    low: float
    high: float
    points: np.ndarray
    ks: float


def fit_part(
    scaled: np.ndarray, distribution: str, bounded: bool, rng: np.random.Generator
) -> FittedPart:
    """Fit ``distribution`` (a family, "parametric" or "gaussian_kde") to ``scaled``.

    "parametric" takes the family of the lowest KS statistic and, when a KS
    test rejects even that one, a kernel density: on real columns a family
    that does not fit distorts both the column and its correlations.
    """
    if distribution == GAUSSIAN_KDE:
        return _fit_kde(scaled, bounded)
    names = FAMILIES if distribution == PARAMETRIC else (distribution,)
    sample = scaled
    if len(scaled) > _FIT_ROWS:
        sample = rng.choice(scaled, size=_FIT_ROWS, replace=False)
    part = _best_family(names, sample, bounded)
    if part is None:
        logger.info("No %s distribution fits; using a kernel density.", distribution)
        return _fit_kde(scaled, bounded)
    if distribution == PARAMETRIC and part.ks > _KS_CRITICAL / np.sqrt(len(sample)):
        logger.debug("Best family %s rejected (KS %.4f).", part.distribution, part.ks)
        return _fit_kde(scaled, bounded)
    return part


def _best_family(
    names: tuple[str, ...], sample: np.ndarray, bounded: bool
) -> FittedPart | None:
    """The fit among the families ``names`` with the lowest KS statistic."""
    ordered = np.sort(sample)
    best: tuple[float, str, dict[str, float], Any] | None = None
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        for name in names:
            try:
                candidates = _family_fits(name, sample)
            except (ValueError, RuntimeError, FloatingPointError) as error:
                logger.debug("Family %s did not fit: %s", name, error)
                continue
            for params, family in candidates:
                cdf = _truncated_cdf(family, params, *_support(family, params, bounded))
                if cdf is not None:
                    ks = _ks_statistic(cdf(ordered))
                    if best is None or ks < best[0]:
                        best = (ks, name, params, family)
        if best is None:
            return None
        ks, name, params, family = best
        low, high = _support(family, params, bounded)
        cdf = _truncated_cdf(family, params, low, high)
        c_low, c_high = family.cdf(np.array([low, high]), **params)
        points = family.ppf(np.linspace(c_low, c_high, GRID_POINTS), **params)
    points = np.clip(points[np.isfinite(points)], low, high)
    return FittedPart(name, params, cdf, low, high, points, ks)


def _family_fits(name: str, sample: np.ndarray) -> list[tuple[dict[str, float], Any]]:
    """Candidate fits of one family: parameters by name, and the scipy distribution.

    Parameters are passed as keywords, never frozen: freezing a scipy
    distribution costs more than fitting it here.
    """
    family = getattr(stats, name)
    mean, std = float(sample.mean()), float(sample.std())
    if name == "norm":
        fits = [{"loc": mean, "scale": std}]
    elif name == "uniform":
        fits = [{"loc": 0.0, "scale": 1.0}]
    elif name == "truncnorm":
        loc, scale = _truncnorm_mle(sample, mean, std)
        fits = [
            {"a": -loc / scale, "b": (1.0 - loc) / scale, "loc": loc, "scale": scale}
        ]
    elif name == "beta":
        low, width = -_BETA_MARGIN, 1.0 + 2 * _BETA_MARGIN
        a, b, _, _ = stats.beta.fit(sample, floc=low, fscale=width)
        fits = [{"a": a, "b": b, "loc": low, "scale": width}]
    elif name == "gamma":
        fits = []
        for offset in _LOCATION_OFFSETS:
            shape, loc, scale = stats.gamma.fit(sample, floc=-offset)
            fits.append({"a": shape, "loc": loc, "scale": scale})
    else:
        fits = []
        for offset in _LOCATION_OFFSETS:
            logs = np.log(sample + offset)
            fits.append({"s": logs.std(), "loc": -offset, "scale": np.exp(logs.mean())})
    fits = [{key: float(value) for key, value in fit.items()} for fit in fits]
    return [(fit, family) for fit in fits if all(np.isfinite(list(fit.values())))]


def _truncnorm_mle(sample: np.ndarray, mean: float, std: float) -> tuple[float, float]:
    """Location and scale of a normal truncated to [0, 1], by maximum likelihood."""

    def negative_log_likelihood(theta: np.ndarray) -> float:
        loc, scale = theta[0], np.exp(theta[1])
        z = (sample - loc) / scale
        mass = _log_normal_mass(-loc / scale, (1.0 - loc) / scale)
        return float(0.5 * np.dot(z, z) + len(sample) * (np.log(scale) + mass))

    # Bounded: on flat data the likelihood keeps rising as the scale grows
    # without end, and scipy's truncnorm fails on such parameters.
    bounds = [(-1.0, 2.0), (np.log(1e-4), np.log(_MAX_TRUNCNORM_SCALE))]
    start = np.clip([mean, np.log(max(std, 1e-4))], *np.array(bounds).T)
    result = optimize.minimize(
        negative_log_likelihood,
        x0=start,
        method="Nelder-Mead",
        bounds=bounds,
        options={"xatol": 1e-4, "fatol": 1e-6, "maxiter": 400},
    )
    return float(result.x[0]), float(np.exp(result.x[1]))


def _log_normal_mass(a: float, b: float) -> float:
    """log(Phi(b) - Phi(a)) for a < b, accurate in both tails."""
    if a > 0:
        a, b = -b, -a
    log_b, log_a = special.log_ndtr(b), special.log_ndtr(a)
    return float(log_b + np.log1p(-np.exp(min(log_a - log_b, 0.0))))


def _support(
    family: Any, params: dict[str, float], bounded: bool
) -> tuple[float, float]:
    """The observed range [0, 1], or for an unbounded marginal all but its far tails."""
    if bounded:
        return 0.0, 1.0
    low, high = family.ppf(np.array([_TAIL, 1.0 - _TAIL]), **params)
    low = min(0.0, float(low)) if np.isfinite(low) else 0.0
    high = max(1.0, float(high)) if np.isfinite(high) else 1.0
    return low, high


def _truncated_cdf(
    family: Any, params: dict[str, float], low: float, high: float
) -> Callable[[np.ndarray], np.ndarray] | None:
    """The CDF truncated to [low, high], or None when the fit has no mass there."""
    c_low, c_high = family.cdf(np.array([low, high]), **params)
    mass = float(c_high - c_low)
    if not np.isfinite(mass) or mass < 1e-9:
        return None

    def cdf(x: np.ndarray) -> np.ndarray:
        return np.clip((family.cdf(x, **params) - c_low) / mass, 0.0, 1.0)

    return cdf


def _ks_statistic(cdf_of_sorted: np.ndarray) -> float:
    n = len(cdf_of_sorted)
    above = np.arange(1, n + 1) / n - cdf_of_sorted
    below = cdf_of_sorted - np.arange(n) / n
    return float(max(above.max(), below.max()))


def _fit_kde(values: np.ndarray, bounded: bool) -> FittedPart:
    """A Gaussian kernel density of ``values`` (scaled to [0, 1]).

    A bounded density is cut at the observed range and renormalised.
    """
    bandwidth = _kde_bandwidth(values)
    low, high = (0.0, 1.0) if bounded else (-4 * bandwidth, 1.0 + 4 * bandwidth)
    if (high - low) / bandwidth < _KDE_BINS / 4 - 8:
        x, cumulative = _binned_kde_cdf(values, bandwidth, low, high)
    else:
        x, cumulative = _summed_kde_cdf(values, bandwidth, low, high)

    def cdf(points: np.ndarray) -> np.ndarray:
        return np.interp(points, x, cumulative)

    sample = np.sort(values)[:: max(1, len(values) // _FIT_ROWS)]
    ks = _ks_statistic(cdf(sample))
    params = {"bandwidth": bandwidth}
    return FittedPart(GAUSSIAN_KDE, params, cdf, low, high, x, ks)


def _kde_bandwidth(values: np.ndarray) -> float:
    """scipy's gaussian_kde bandwidth with Silverman's robust factor.

    The spread is the smaller of the standard deviation and the scaled
    interquartile range, so that a few far outliers do not smooth the bulk
    of the column away (Scott's default rule follows the standard deviation).
    """
    std = float(values.std())
    quartiles = np.quantile(values, [0.25, 0.75])
    spread = float(quartiles[1] - quartiles[0]) / 1.349
    scale = min(std, spread) if spread > 0 else std
    factor = _KDE_ROBUST * scale / std * len(values) ** -0.2
    kde = stats.gaussian_kde(values, bw_method=factor)
    return _cross_validated(values, float(np.sqrt(kde.covariance[0, 0])))


def _cross_validated(values: np.ndarray, rule: float) -> float:
    """``rule`` or a fraction of it, whichever best predicts left-out values.

    A rule of thumb sized for one bump smooths a column of several well
    separated bumps into the empty space between them (two clusters at 10
    and 100 put a third of the synthetic values between 20 and 90). Each
    candidate is scored by the mean log density it gives every value from
    the others, leaving out all copies of that value, so repeated values do
    not pull the bandwidth towards zero. Values are thinned to evenly spaced
    order statistics, which keeps the cost bounded.
    """
    ordered = np.sort(values)
    sample = ordered[:: max(1, len(ordered) // _CV_ROWS)]
    squares = np.square(sample[:, None] - sample[None, :])
    others = squares != 0
    counts = others.sum(axis=1)
    if counts.min() == 0:
        return rule
    best, best_score = rule, -np.inf
    for fraction in _CV_FRACTIONS:
        bandwidth = rule * fraction
        kernels = np.exp(squares * (-0.5 / bandwidth**2))
        kernels[~others] = 0.0
        density = kernels.sum(axis=1) / (counts * bandwidth * np.sqrt(2 * np.pi))
        score = float(np.mean(np.log(np.maximum(density, 1e-300))))
        if score > best_score:
            best, best_score = bandwidth, score
    return best


def _binned_kde_cdf(
    values: np.ndarray, bandwidth: float, low: float, high: float
) -> tuple[np.ndarray, np.ndarray]:
    """The kernel density's CDF on a regular grid, by binning and convolution.

    The cost does not grow with the rows; it needs a grid step well under the
    bandwidth.
    """
    # Bin past the range too, so kernels near the edges keep their shape.
    start, stop = low - 4 * bandwidth, high + 4 * bandwidth
    step = (stop - start) / (_KDE_BINS - 1)
    position = (values - start) / step
    left = np.clip(np.floor(position).astype(np.int64), 0, _KDE_BINS - 2)
    right_share = position - left
    binned = np.bincount(left, 1.0 - right_share, _KDE_BINS)
    binned += np.bincount(left + 1, right_share, _KDE_BINS)
    reach = int(np.ceil(5 * bandwidth / step))
    kernel = stats.norm.pdf(np.arange(-reach, reach + 1) * step / bandwidth)
    density = np.maximum(signal.fftconvolve(binned, kernel, mode="same"), 0.0)

    x = start + step * np.arange(_KDE_BINS)
    inside = (x >= low) & (x <= high)
    x, density = x[inside], density[inside]
    steps = 0.5 * (density[1:] + density[:-1])
    cumulative = np.concatenate([[0.0], np.cumsum(steps)])
    return x, cumulative / cumulative[-1]


def _summed_kde_cdf(
    values: np.ndarray, bandwidth: float, low: float, high: float
) -> tuple[np.ndarray, np.ndarray]:
    """The kernel density's CDF at the data's quantiles, by summing kernels.

    For columns whose range dwarfs the bandwidth (far outliers), where a
    regular grid cannot resolve the bulk. The kernels sit at the means of
    equal-count groups of the sorted values, which bounds the cost.
    """
    ordered = np.sort(values)
    n = len(ordered)
    bounds = np.linspace(0, n, min(n, _KDE_CENTRES) + 1).astype(np.int64)
    counts = np.diff(bounds)
    centres = np.add.reduceat(ordered, bounds[:-1]) / counts
    levels = np.linspace(0.0, 1.0, GRID_POINTS)
    x = np.concatenate(
        [np.linspace(low, high, GRID_POINTS), np.quantile(ordered, levels)]
    )
    x = np.unique(np.clip(x, low, high))
    cumulative = special.ndtr((x[:, None] - centres) / bandwidth) @ (counts / n)
    return x, (cumulative - cumulative[0]) / (cumulative[-1] - cumulative[0])
