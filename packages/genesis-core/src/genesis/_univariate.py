"""Univariate fits for the copula's continuous marginals.

A continuous marginal's non-atom part is fitted either with the scipy.stats
family of the lowest Kolmogorov-Smirnov statistic (bounded to the observed
range) or with a Gaussian kernel density, of one bandwidth or of kernel widths
that follow the local spacing of the values. Both end as a monotone grid of
points, which the copula turns into its inverse CDF.
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
# Fractions of that rule's bandwidth, or of kernel widths that follow each
# value's local scale, tried by leave-one-out likelihood, and most values
# scored (the cost grows with their square). Each fraction is half the one
# before: a Gaussian kernel of half the width is the wider one's fourth
# power, two squarings instead of an exponential per entry.
_CV_FRACTIONS = tuple(0.5**halvings for halvings in range(5))
_CV_ROWS = 500
# Kernel values below this are set to 0 before being squared twice, so none
# becomes subnormal (slow to compute with); 1e-75 ** 4 is still normal.
_KERNEL_FLOOR = 1e-75
# Least gain in mean log density per left-out value for which such widths
# replace one bandwidth. Normal, uniform and two-bump columns gain under
# 0.05 (noise, and one bandwidth is the smoother fit); exponential, beta(0.5,
# 0.5) and heavier tails gain 0.07 to 35.
_LOCAL_GAIN = 0.05
# Kernels within this many widths of an end of the range are reflected in it.
_REFLECT_REACH = 8.0
# Offsets below the minimum (share of the range) tried as the location of the
# families that start at their location, gamma and lognorm.
_LOCATION_OFFSETS = (1e-3, 1e-2, 1e-1, 1.0)
# Margins (share of the range) around the data tried for beta, whose density
# may be infinite at its bounds. Where the values crowd against an end (shape
# under 1), the fit depends on how far the bound sits from the smallest
# value: 1e-3 alone tripled the KS statistic of a gamma(0.4) column.
_BETA_MARGINS = (1e-6, 1e-4, 1e-3, 1e-2)
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
        fits = []
        for margin in _BETA_MARGINS:
            low, width = -margin, 1.0 + 2 * margin
            try:
                a, b, _, _ = stats.beta.fit(sample, floc=low, fscale=width)
            except stats.FitError as error:
                logger.debug("Beta with margin %g did not fit: %s", margin, error)
                continue
            fits.append({"a": a, "b": b, "loc": low, "scale": width})
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

    The kernels share one bandwidth or, where that predicts left-out values
    worse, each takes a width in proportion to the spacing of the values
    around it: a heavy tail (incomes, file sizes) or clusters orders of
    magnitude apart need narrow kernels in the bulk and wide ones in the
    tail, which no single bandwidth gives. A bounded density keeps to the
    observed range: kernels of their own widths are folded back into it at
    its ends, one shared bandwidth is cut there and renormalised.
    """
    ordered = np.sort(values)
    widths = _kde_widths(ordered)
    if np.ndim(widths):
        low, high = (0.0, 1.0)
        if not bounded:
            low = min(low, ordered[0] - 4 * widths[0])
            high = max(high, ordered[-1] + 4 * widths[-1])
        x, cumulative = _summed_kde_cdf(ordered, widths, low, high, reflect=bounded)
        params = {"median_width": float(np.median(widths))}
    else:
        bandwidth = float(widths)
        low, high = (0.0, 1.0) if bounded else (-4 * bandwidth, 1.0 + 4 * bandwidth)
        if (high - low) / bandwidth < _KDE_BINS / 4 - 8:
            x, cumulative = _binned_kde_cdf(ordered, bandwidth, low, high)
        else:
            x, cumulative = _summed_kde_cdf(ordered, bandwidth, low, high)
        params = {"bandwidth": bandwidth}

    def cdf(points: np.ndarray) -> np.ndarray:
        return np.interp(points, x, cumulative)

    sample = ordered[:: max(1, len(values) // _FIT_ROWS)]
    ks = _ks_statistic(cdf(sample))
    return FittedPart(GAUSSIAN_KDE, params, cdf, low, high, x, ks)


def _kde_widths(ordered: np.ndarray) -> float | np.ndarray:
    """One bandwidth, or one kernel width per sorted value where that fits
    clearly better (see :data:`_LOCAL_GAIN`)."""
    shapes: list[float | np.ndarray] = [_kde_bandwidth(ordered)]
    local = _local_scales(ordered)
    if local is not None:
        # The same shrinking with the rows as the rule's.
        local = local * len(ordered) ** -0.2
        # Widths in proportion to the local scale, and to its square root
        # (which follow the density less steeply, as in Abramson's rule).
        typical = np.exp(np.mean(np.log(local)))
        shapes += [local, np.sqrt(local * typical)]
    (bandwidth, score), *locals_ = _cross_validated(ordered, shapes)
    if not locals_:
        return bandwidth
    widths, local_score = max(locals_, key=lambda fit: fit[1])
    return widths if local_score > score + _LOCAL_GAIN else bandwidth


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
    return float(np.sqrt(kde.covariance[0, 0]))


def _local_scales(ordered: np.ndarray) -> np.ndarray | None:
    """Each sorted value's local scale, or None for too few values.

    The scale is half the inverse of the density that a value's nearest
    neighbours give, on whichever side they lie closer: a value at the edge
    of a cluster takes the cluster's scale, not the gap's. Where values are
    spread evenly it is constant; it grows into a tail and shrinks inside a
    tight cluster.
    """
    n = len(ordered)
    if n < 2:
        return None
    reach = max(1, int(np.ceil(np.sqrt(n) / 2)))
    index = np.arange(n)
    scales = np.full(n, np.inf)
    for neighbour in (np.maximum(index - reach, 0), np.minimum(index + reach, n - 1)):
        count = np.abs(neighbour - index)
        has = count > 0
        spread = np.abs(ordered[neighbour] - ordered)[has] * n / (2.0 * count[has])
        scales[has] = np.minimum(scales[has], spread)
    positive = scales[scales > 0]
    if not len(positive):
        return None
    # A run of copies has no spacing; give it the narrowest width seen.
    return np.maximum(scales, positive.min())


def _cross_validated(
    ordered: np.ndarray, shapes: list[float | np.ndarray]
) -> list[tuple[float | np.ndarray, float]]:
    """For each shape of kernel widths (one bandwidth, or one width per
    sorted value), the fraction of it in :data:`_CV_FRACTIONS` that best
    predicts left-out values, and its score.

    Shapes are kept whole, with a score of minus infinity, when nothing can
    be scored. A rule of thumb sized for one bump smooths a column of
    several well separated bumps into the empty space between them (two
    clusters at 10 and 100 put a third of the synthetic values between 20
    and 90). Each candidate is
    scored by the mean log density it gives every value from the others,
    leaving out all copies of that value, so repeated values do not pull the
    width towards zero. Values are thinned to evenly spaced order
    statistics, which keeps the cost bounded.
    """
    step = max(1, len(ordered) // _CV_ROWS)
    sample = ordered[::step]
    squares = np.square(sample[:, None] - sample[None, :])
    copies = (squares == 0).astype(np.float64)
    counts = len(sample) - copies.sum(axis=1)
    if counts.min() == 0:
        return [(shape, -np.inf) for shape in shapes]
    fits = []
    kernels = np.empty_like(squares)
    kept = np.empty(squares.shape, dtype=bool)
    for shape in shapes:
        # Column j holds the kernel centred on sample value j; a value's own
        # copies each add exactly the kernel's peak, taken off again below.
        sampled = shape[::step] if np.ndim(shape) else shape
        # A real array: matmul with a broadcast (zero-stride) one skips BLAS.
        inverse = np.ascontiguousarray(np.broadcast_to(1.0 / sampled, sample.shape))
        peaks = copies @ inverse
        best, best_score = shape, -np.inf
        np.multiply(squares, -0.5 * np.square(inverse), out=kernels)
        # Past -700 the kernel is 0 to any precision that counts, and exp
        # of such numbers is slow (subnormal results).
        np.maximum(kernels, -700.0, out=kernels)
        np.exp(kernels, out=kernels)
        for halvings, fraction in enumerate(_CV_FRACTIONS):
            if halvings:
                # Times a mask: several times faster than a masked write.
                np.greater_equal(kernels, _KERNEL_FLOOR, out=kept)
                np.multiply(kernels, kept, out=kernels)
                np.square(kernels, out=kernels)
                np.square(kernels, out=kernels)
            total = (kernels @ inverse - peaks) / fraction
            density = total / (counts * np.sqrt(2 * np.pi))
            score = float(np.mean(np.log(np.maximum(density, 1e-300))))
            if score > best_score:
                best, best_score = shape * fraction, score
        fits.append((best, best_score))
    return fits


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
    ordered: np.ndarray,
    widths: float | np.ndarray,
    low: float,
    high: float,
    *,
    reflect: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """The kernel density's CDF at the data's quantiles, by summing kernels.

    For columns whose range dwarfs the bandwidth (far outliers), where a
    regular grid cannot resolve the bulk, and for kernels of one width per
    value (``widths`` an array matching the sorted values ``ordered``). The
    kernels sit at the means of equal-count groups of the sorted values,
    which bounds the cost; a group of kernels of their own widths becomes
    one as wide as their mean square width plus the group's own spread.
    With ``reflect``, a kernel's mass past ``low`` or ``high`` is folded
    back inside: a wide kernel in a tail would otherwise lose half its mass
    at the end of the range and thin the tail.
    """
    n = len(ordered)
    bounds = np.linspace(0, n, min(n, _KDE_CENTRES) + 1).astype(np.int64)
    levels = np.linspace(0.0, 1.0, GRID_POINTS)
    x = np.concatenate(
        [np.linspace(low, high, GRID_POINTS), np.quantile(ordered, levels)]
    )
    if np.ndim(widths):
        # An empty stretch between two values, far wider than their kernels,
        # ends a group (so no group straddles it) and gets grid points where
        # the mass on either side ends (so the grid does not spread the edge
        # of a tight cluster over it).
        ends = 3 * widths
        excess = np.diff(ordered) / (ends[:-1] + ends[1:])
        # The widest _KDE_CENTRES of them, which bounds the cost.
        gap = np.argsort(excess)[-_KDE_CENTRES:]
        gap = np.sort(gap[excess[gap] > 1.0])
        bounds = np.union1d(bounds, gap + 1)
        edges = [ordered[gap] + ends[gap], ordered[gap + 1] - ends[gap + 1]]
        x = np.concatenate([x, *edges])
    counts = np.diff(bounds)
    centres = np.add.reduceat(ordered, bounds[:-1]) / counts
    spreads: float | np.ndarray = widths
    if np.ndim(widths):
        deviations = np.square(ordered - np.repeat(centres, counts))
        squares = np.square(widths) + deviations
        spreads = np.sqrt(np.add.reduceat(squares, bounds[:-1]) / counts)
    x = np.unique(np.clip(x, low, high))
    weights = counts / n
    cumulative = special.ndtr((x[:, None] - centres) / spreads) @ weights
    if reflect:
        # The mirror images, in low and in high, of the kernels with mass past
        # them, counted from low on.
        spreads = np.broadcast_to(spreads, centres.shape)
        near = np.minimum(centres - low, high - centres) < _REFLECT_REACH * spreads
        centres, spreads, weights = centres[near], spreads[near], weights[near]
        mirrored = special.ndtr((2 * high - low - centres) / spreads)
        mirrored = mirrored - special.ndtr((2 * low - x[:, None] - centres) / spreads)
        mirrored -= special.ndtr((2 * high - x[:, None] - centres) / spreads)
        cumulative += mirrored @ weights
    return x, (cumulative - cumulative[0]) / (cumulative[-1] - cumulative[0])
