"""Variational Gaussian mixtures for mode-specific normalisation, in numpy.

Each continuous column gets a one-dimensional mixture with a truncated
Dirichlet-process (stick-breaking) prior on the weights and a normal-gamma
prior on each mode's mean and precision, fitted by mean-field variational
inference. A small weight concentration lets the data switch off modes it
does not need, so the number of modes is learned up to ``max_modes``.

Plain coordinate ascent removes a superfluous mode only very slowly (a
single Gaussian seeded with ten modes still has several after hundreds of
updates), so the fit alternates updates with *merge moves*: a run of
neighbouring modes is merged into one when that raises the variational lower
bound, computed exactly from the modes' sufficient statistics. Modes lighter than a
threshold are then dropped and the rest refitted, so the kept modes also
cover the rows the dropped ones held.

All columns are fitted together: the sample is one ``(columns, rows)`` array
and every update works on ``(columns, modes, rows)`` arrays, so fitting costs
a few dozen vectorised passes whatever the number of columns.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import digamma, gammaln

__all__ = ["MixtureFit", "fit_mixtures", "mode_probabilities", "sample_modes"]

_LOG_2PI = float(np.log(2.0 * np.pi))
# The prior on each mode, in standardised units: mean 0 worth one row, and a
# Gamma(1/2, 1/2) precision, i.e. centred on the data's unit variance with
# one degree of freedom.
_PRIOR_COUNT = 1.0
_PRIOR_SHAPE = 0.5
_PRIOR_RATE = 0.5
# Keeps every mode's variance strictly positive when a mode holds one value
# (columns of small integers, a spike at zero); in standardised units.
_VARIANCE_FLOOR = 1e-6
# Rows counted in an empty mode, so its mean stays defined.
_EMPTY_MODE_MASS = 1e-10
# Most numbers in one batch's (columns, modes, values) work arrays: 16 MB
# each in float32.
_BATCH_CELLS = 1 << 22
# Columns with at most this many distinct values share a batch, whatever
# their differences in width.
_NARROW_COLUMN = 256


@dataclass(frozen=True)
class MixtureFit:
    """The fitted mixtures of a batch of columns, in the columns' own units.

    Attributes:
        means: Mode means, shape ``(columns, max_modes)``.
        stds: Mode standard deviations, same shape, all positive.
        weights: Expected mode weights, same shape; each row sums to 1.
        kept: Modes still in the mixture (not merged away or dropped).
        iterations: Variational updates run per column, merges included.
        converged: Whether each column's last round met the tolerance.
    """

    means: np.ndarray
    stds: np.ndarray
    weights: np.ndarray
    kept: np.ndarray
    iterations: np.ndarray
    converged: np.ndarray


@dataclass(frozen=True)
class _Posterior:
    """Variational parameters of the weights and of each mode, per column."""

    stick_a: np.ndarray  # Beta(a, b) of each stick-breaking proportion
    stick_b: np.ndarray
    mean: np.ndarray  # normal-gamma over (mean, precision) of each mode
    mean_count: np.ndarray
    shape: np.ndarray
    rate: np.ndarray


def fit_mixtures(
    samples: np.ndarray,
    rng: np.random.Generator,
    *,
    max_modes: int = 10,
    weight_concentration: float = 1e-3,
    weight_threshold: float = 0.0,
    max_iter: int = 100,
    tol: float = 1e-4,
) -> MixtureFit:
    """Fit one variational Gaussian mixture per row of ``samples``.

    Args:
        samples: Finite values, shape ``(columns, rows)``; each row is one
            column's fitting sample.
        rng: Source of the k-means++ seeding, the only random step.
        max_modes: Modes available to each column (the truncation level).
        weight_concentration: Concentration of the stick-breaking prior;
            small values leave unneeded modes with almost no weight.
        weight_threshold: Modes lighter than this are dropped and the kept
            ones refitted. The heaviest mode of a column is always kept.
        max_iter: Most variational updates per column between two rounds of
            merges.
        tol: A column has converged when the mean log normaliser of its
            rows (the data term of the lower bound, per standardised row)
            changes by less than this between two updates.

    Returns:
        The mixtures, with modes in stick-breaking order; modes merged away
        or dropped have weight 0 and ``kept`` False.
    """
    samples = np.asarray(samples, dtype=np.float64)
    n_columns = samples.shape[0]
    means = np.zeros((n_columns, max_modes))
    stds = np.ones((n_columns, max_modes))
    weights = np.zeros((n_columns, max_modes))
    kept = np.zeros((n_columns, max_modes), dtype=bool)
    iterations = np.zeros(n_columns, dtype=np.int64)
    converged = np.zeros(n_columns, dtype=bool)
    # The fit sees each distinct value once, weighted by its count: columns
    # of integers or amounts with a spike then cost a fraction of their rows.
    distinct = [np.unique(row, return_counts=True) for row in samples]
    for batch in _batches([len(values) for values, _ in distinct], max_modes):
        run, loc, scale = _start(
            [distinct[i] for i in batch], rng, max_modes, weight_concentration
        )
        _fit(run, max_modes, weight_threshold, max_iter, tol)
        posterior = run.posterior
        means[batch] = posterior.mean * scale + loc
        stds[batch] = np.sqrt(posterior.rate / posterior.shape) * scale
        weights[batch] = run.weights()
        kept[batch] = run.kept
        iterations[batch] = run.iterations
        converged[batch] = run.converged
    return MixtureFit(means, stds, weights, kept, iterations, converged)


def mode_probabilities(
    values: np.ndarray, means: np.ndarray, stds: np.ndarray, weights: np.ndarray
) -> np.ndarray:
    """Posterior probability of each mode for each value of one column.

    Args:
        values: Shape ``(rows,)``.
        means, stds, weights: The column's kept modes, shape ``(modes,)``.

    Returns:
        Shape ``(rows, modes)``; each row sums to 1.
    """
    distance = (values[:, None] - means[None, :]) / stds[None, :]
    log_p = np.log(weights) - np.log(stds) - 0.5 * distance * distance
    log_p -= log_p.max(axis=1, keepdims=True)
    probabilities = np.exp(log_p)
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    return probabilities


def sample_modes(probabilities: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Draw one mode per row from its probabilities, shape ``(rows, modes)``."""
    cumulative = np.cumsum(probabilities, axis=1)
    draws = rng.random(len(probabilities)) * cumulative[:, -1]
    modes = (cumulative <= draws[:, None]).sum(axis=1)
    return np.minimum(modes, probabilities.shape[1] - 1).astype(np.int64)


def _batches(sizes: list[int], n_modes: int) -> list[np.ndarray]:
    """Group columns of similar distinct-value counts, within the cell budget.

    Columns in a batch are padded to its widest, so each batch only takes
    columns at most twice as wide as its narrowest (or all narrow ones).
    """
    batches: list[np.ndarray] = []
    current: list[int] = []
    narrowest = 0
    for column in np.argsort(sizes, kind="stable"):
        size = sizes[column]
        too_wide = size > max(2 * narrowest, _NARROW_COLUMN)
        over_budget = (len(current) + 1) * size * n_modes > _BATCH_CELLS
        if current and (too_wide or over_budget):
            batches.append(np.asarray(current))
            current = []
        if not current:
            narrowest = size
        current.append(int(column))
    if current:
        batches.append(np.asarray(current))
    return batches


def _start(
    columns: list[tuple[np.ndarray, np.ndarray]],
    rng: np.random.Generator,
    n_modes: int,
    concentration: float,
) -> tuple[_Run, np.ndarray, np.ndarray]:
    """Standardise a batch, seed its modes and take the first M-step.

    Returns:
        The run, and each column's location and scale, ``(columns, 1)``.
    """
    width = max(len(values) for values, _ in columns)
    values = np.zeros((len(columns), width))
    counts = np.zeros((len(columns), width))
    for row, (column_values, column_counts) in enumerate(columns):
        values[row, : len(column_values)] = column_values
        counts[row, : len(column_counts)] = column_counts
    total = counts.sum(axis=1, keepdims=True)
    loc = (counts * values).sum(axis=1, keepdims=True) / total
    # Squared in units of the farthest value: squares of deviations near
    # 1e-200 underflow to 0, which left such a column unscaled, in one mode
    # narrower than float32 can tell apart, and every value decoded as the
    # mean.
    deviations = np.where(counts > 0, values - loc, 0.0)
    reach = np.abs(deviations).max(axis=1, keepdims=True)
    reach[reach == 0] = 1.0
    spread = (counts * (deviations / reach) ** 2).sum(axis=1, keepdims=True)
    scale = reach * np.sqrt(spread / total)
    scale[scale == 0] = 1.0
    # Standardised data lets one prior fit every column, whatever its units
    # (nanoseconds since the epoch included). Padding has count 0.
    z = np.where(counts > 0, (values - loc) / scale, 0.0)

    # Work arrays are (columns, modes, values), so sums over values and
    # reductions over modes both run along contiguous memory, and float32,
    # which halves the memory traffic; statistics built from them are float64.
    z32 = z.astype(np.float32)
    centres = _seed_centres(z, counts, n_modes, rng).astype(np.float32)
    nearest = _nearest(z32, centres)
    modes = np.arange(n_modes, dtype=nearest.dtype)
    resp = (nearest[:, None, :] == modes[None, :, None]).astype(np.float32)
    counts32 = counts.astype(np.float32)
    powers = counts32[:, :, None] * np.stack([np.ones_like(z32), z32, z32 * z32], 2)
    run = _Run(
        z=z32,
        counts=counts32,
        total=total[:, 0],
        powers=powers,
        posterior=_posterior(_moments(resp, powers), concentration),
        kept=np.ones((len(columns), n_modes), dtype=bool),
        concentration=concentration,
        iterations=np.zeros(len(columns), dtype=np.int64),
        converged=np.zeros(len(columns), dtype=bool),
    )
    return run, loc, scale


def _fit(
    run: _Run, n_modes: int, weight_threshold: float, max_iter: int, tol: float
) -> None:
    """Alternate updates with merges and drops until nothing changes."""
    changed = np.arange(len(run.z))
    run.iterate(changed, max_iter, tol)
    # A round that changes a column removes at least one of its modes, so
    # n_modes rounds always suffice; a column left unchanged by a round
    # would not change in the next one either.
    for _ in range(n_modes):
        merged = run.merge(changed[run.kept[changed].sum(axis=1) > 1])
        dropped = run.drop_light(weight_threshold)
        changed = np.union1d(merged, dropped)
        if changed.size == 0:
            break
        run.iterate(changed, max_iter, tol)


@dataclass
class _Run:
    """A batch of mixtures being fitted, updated in place."""

    z: np.ndarray  # standardised distinct values, (columns, values)
    counts: np.ndarray  # how often each value occurs; 0 for padding
    total: np.ndarray  # rows per column
    powers: np.ndarray  # counts times 1, z and z squared, (columns, values, 3)
    posterior: _Posterior
    kept: np.ndarray
    concentration: float
    iterations: np.ndarray
    converged: np.ndarray

    def iterate(self, columns: np.ndarray, max_iter: int, tol: float) -> None:
        """Update ``columns`` until each converges or ``max_iter`` is reached."""
        bound = np.full(len(self.z), -np.inf)
        active = columns
        self.converged[columns] = False
        for _ in range(max_iter):
            if active.size == 0:
                break
            # Only columns still moving are updated; converged ones keep
            # their posterior.
            resp, new_bound = self._responsibilities(active)
            self._set_posterior(active, resp)
            self.iterations[active] += 1
            done = np.abs(new_bound - bound[active]) < tol
            bound[active] = new_bound
            self.converged[active[done]] = True
            active = active[~done]

    def merge(self, columns: np.ndarray) -> np.ndarray:
        """Merge runs of neighbouring modes where that raises the lower bound.

        Returns:
            The columns that merged at least one run.
        """
        if columns.size == 0:
            return columns
        resp, _ = self._responsibilities(columns)
        kept = self.kept[columns]
        moments = _moments(resp, self.powers[columns])
        mean = _mode_posterior(moments)[0]
        by_mean = np.argsort(np.where(kept, mean, np.inf), axis=1)
        gains, starts, stops = _merge_gains(
            resp, self.counts[columns], kept, moments, by_mean, self.concentration
        )
        changed = []
        # A few candidate runs per column; the loop runs over columns and
        # runs, never over rows.
        for index, column in enumerate(columns):
            taken = np.zeros(kept.shape[1], dtype=bool)
            for candidate in np.argsort(-gains[index], kind="stable"):
                if gains[index, candidate] <= 0:
                    break
                positions = slice(starts[candidate], stops[candidate] + 1)
                if taken[positions].any():
                    continue
                taken[positions] = True
                members = by_mean[index, positions]
                first = members.min()
                resp[index, first] = resp[index, members].sum(axis=0)
                for member in members[members != first]:
                    resp[index, member] = 0.0
                    self.kept[column, member] = False
            if taken.any():
                changed.append(index)
        if not changed:
            return columns[:0]
        rows = np.asarray(changed)
        self._set_posterior(columns[rows], resp[rows])
        return columns[rows]

    def drop_light(self, threshold: float) -> np.ndarray:
        """Drop modes lighter than ``threshold``; return the columns touched."""
        weights = self.weights()
        light = self.kept & (weights < threshold)
        light[np.arange(len(weights)), np.argmax(weights, axis=1)] = False
        self.kept &= ~light
        return np.flatnonzero(light.any(axis=1))

    def weights(self) -> np.ndarray:
        weights = np.where(self.kept, _expected_weights(self.posterior), 0.0)
        return weights / weights.sum(axis=1, keepdims=True)

    def _responsibilities(self, columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        resp, log_norm = _expected_responsibilities(
            self.z[columns], _take(self.posterior, columns), self.kept[columns]
        )
        counts = self.counts[columns]
        bound = (log_norm * counts).sum(axis=1, dtype=np.float64)
        return resp, bound / self.total[columns]

    def _set_posterior(self, columns: np.ndarray, resp: np.ndarray) -> None:
        moments = _moments(resp, self.powers[columns])
        _put(self.posterior, columns, _posterior(moments, self.concentration))


def _seed_centres(
    z: np.ndarray, counts: np.ndarray, n_modes: int, rng: np.random.Generator
) -> np.ndarray:
    """k-means++ seeding, one draw per column per mode, values weighted by count."""
    n_columns, width = z.shape
    columns = np.arange(n_columns)

    def draw(weights: np.ndarray) -> np.ndarray:
        cumulative = np.cumsum(weights, axis=1)
        draws = rng.random(n_columns) * cumulative[:, -1]
        # A column with fewer distinct values than modes runs out of new
        # points (every weight is 0); it repeats one, and the duplicate
        # mode starts empty.
        picks = (cumulative <= draws[:, None]).sum(axis=1)
        return z[columns, np.minimum(picks, width - 1)]

    centres = np.empty((n_columns, n_modes))
    centres[:, 0] = draw(counts)
    gap = (z - centres[:, :1]) ** 2
    for mode in range(1, n_modes):
        centres[:, mode] = draw(gap * counts)
        np.minimum(gap, (z - centres[:, mode : mode + 1]) ** 2, out=gap)
    return centres


def _nearest(z: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Index of each value's nearest centre, ``(columns, rows)``."""
    best = np.abs(z - centres[:, :1])
    nearest = np.zeros(z.shape, dtype=np.int64)
    for mode in range(1, centres.shape[1]):
        distance = np.abs(z - centres[:, mode : mode + 1])
        closer = distance < best
        np.copyto(best, distance, where=closer)
        nearest[closer] = mode
    return nearest


def _moments(resp: np.ndarray, powers: np.ndarray) -> np.ndarray:
    """Responsibility-weighted sums of 1, z and z squared: ``(..., modes, 3)``."""
    moments = np.matmul(resp, powers).astype(np.float64)
    moments[..., 0] += _EMPTY_MODE_MASS
    return moments


def _mode_posterior(
    moments: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Normal-gamma posterior of each mode: mean, mean count, shape, rate."""
    count, total, squares = moments[..., 0], moments[..., 1], moments[..., 2]
    mean_count = _PRIOR_COUNT + count
    shape = _PRIOR_SHAPE + 0.5 * count
    # Sum of squares about the posterior mean, prior pseudo-row included;
    # float32 sums can leave it slightly negative for a spike.
    scatter = np.maximum(squares - total * total / mean_count, 0.0)
    rate = _PRIOR_RATE + 0.5 * scatter + _VARIANCE_FLOOR * shape
    return total / mean_count, mean_count, shape, rate


def _posterior(moments: np.ndarray, concentration: float) -> _Posterior:
    """The variational M-step: posteriors given the responsibilities."""
    mean, mean_count, shape, rate = _mode_posterior(moments)
    count = moments[..., 0]
    return _Posterior(
        stick_a=1.0 + count,
        stick_b=concentration + _later(count),
        mean=mean,
        mean_count=mean_count,
        shape=shape,
        rate=rate,
    )


def _later(count: np.ndarray) -> np.ndarray:
    """Rows in the modes after each one: the rest of its stick."""
    return np.cumsum(count[..., ::-1], axis=-1)[..., ::-1] - count


def _expected_responsibilities(
    z: np.ndarray, posterior: _Posterior, kept: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The variational E-step; modes not ``kept`` get no rows.

    Returns:
        Responsibilities ``(columns, modes, values)`` float32 and the log
        normaliser of each value ``(columns, values)``.
    """
    log_weight = _expected_log_weights(posterior.stick_a, posterior.stick_b)
    precision = posterior.shape / posterior.rate
    log_precision = digamma(posterior.shape) - np.log(posterior.rate)
    offset = log_weight + 0.5 * (log_precision - _LOG_2PI - 1.0 / posterior.mean_count)
    offset[~kept] = -np.inf

    log_rho = z[:, None, :] - posterior.mean[:, :, None].astype(np.float32)
    np.square(log_rho, out=log_rho)
    log_rho *= (-0.5 * precision[:, :, None]).astype(np.float32)
    log_rho += offset[:, :, None].astype(np.float32)
    peak = log_rho.max(axis=1, keepdims=True)
    log_rho -= peak
    resp = np.exp(log_rho, out=log_rho)
    norm = resp.sum(axis=1, keepdims=True)
    resp /= norm
    return resp, np.log(norm[:, 0, :]) + peak[:, 0, :]


def _expected_log_weights(stick_a: np.ndarray, stick_b: np.ndarray) -> np.ndarray:
    total = digamma(stick_a + stick_b)
    log_stick = digamma(stick_a) - total
    log_rest = digamma(stick_b) - total
    return log_stick + np.cumsum(log_rest, axis=-1) - log_rest


def _merge_gains(
    resp: np.ndarray,
    counts: np.ndarray,
    kept: np.ndarray,
    moments: np.ndarray,
    by_mean: np.ndarray,
    concentration: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Change of the lower bound from merging each run of neighbouring modes.

    The bound is the sum of a term per mode (its expected log-likelihood
    minus the divergence of its posterior from the prior), a term of the
    weights, and the entropy of the responsibilities. With the other modes'
    responsibilities held, a merged mode's statistics are the sums of its
    members', so only its entropy needs a pass over the rows. Runs of any
    length are tried, since a Gaussian seeded with several modes only fits
    better once they are all merged.

    Args:
        resp: Responsibilities ``(columns, modes, values)``.
        counts: How often each value occurs ``(columns, values)``.
        kept: Modes still in each mixture.
        moments: Their sufficient statistics ``(columns, modes, 3)``.
        by_mean: Mode indices sorted by mean, kept modes first.
        concentration: Of the stick-breaking prior.

    Returns:
        Gains ``(columns, runs)`` (``-inf`` where a run includes a mode that
        is not kept), and each run's first and last position in ``by_mean``.
    """
    n_columns, n_modes, _ = resp.shape
    starts, stops = np.triu_indices(n_modes, k=1)
    run_of = np.full((n_modes, n_modes), -1)
    run_of[starts, stops] = np.arange(len(starts))
    n_kept = kept.sum(axis=1)

    # Sums over a run are differences of cumulative sums in mean order.
    def run_sum(per_mode: np.ndarray) -> np.ndarray:
        ordered = np.take_along_axis(per_mode, by_mean, axis=1)
        cumulative = np.cumsum(ordered, axis=1)
        before = np.pad(cumulative, ((0, 0), (1, 0)))[:, :-1]
        return cumulative[:, stops] - before[:, starts]

    count, total, squares = (run_sum(moments[..., i]) for i in range(3))
    merged_moments = np.stack([count, total, squares], axis=-1)
    terms = _mode_terms(moments, _mode_posterior(moments))
    mode_gain = _mode_terms(merged_moments, _mode_posterior(merged_moments)) - (
        run_sum(terms)
    )

    # Entropies of merged runs, built up one length at a time, only for the
    # columns and positions where runs of that length are all kept modes.
    widest = int(n_kept.max())
    ordered = np.take_along_axis(resp, by_mean[:, :widest, None], axis=1)
    merged_entropy = np.zeros((n_columns, len(starts)))
    columns = np.arange(n_columns)
    running = ordered
    for length in range(2, widest + 1):
        enough = n_kept[columns] >= length
        if not enough.all():
            columns, ordered, running = (
                columns[enough],
                ordered[enough],
                running[enough],
            )
        running = running[:, :-1] + ordered[:, length - 1 :]
        first = np.arange(widest - length + 1)
        runs = run_of[first, first + length - 1]
        entropy = _entropy(running, counts[columns])
        merged_entropy[columns[:, None], runs[None, :]] = entropy
    entropy_gain = merged_entropy - run_sum(_entropy(resp, counts))

    rank = np.argsort(by_mean, axis=1)
    member = (rank[:, None, :] >= starts[None, :, None]) & (
        rank[:, None, :] <= stops[None, :, None]
    )
    mode_count = moments[..., 0]
    merged_count = np.where(member, _EMPTY_MODE_MASS, mode_count[:, None, :])
    # The merged mode takes the earliest stick of its members.
    first_stick = np.argmax(member, axis=2)
    np.put_along_axis(merged_count, first_stick[:, :, None], count[:, :, None], 2)
    weight_gain = (
        _weight_term(merged_count, concentration)
        - _weight_term(mode_count, concentration)[:, None]
    )

    gains = mode_gain + entropy_gain + weight_gain
    valid = stops[None, :] < n_kept[:, None]
    return np.where(valid, gains, -np.inf), starts, stops


def _entropy(resp: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Entropy of responsibilities summed over rows, ``(columns, modes)``."""
    terms = np.log(np.maximum(resp, np.float32(1e-30)))
    terms *= resp
    terms *= counts[:, None, :]
    return -terms.sum(axis=-1, dtype=np.float64)


def _mode_terms(
    moments: np.ndarray,
    posterior: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
) -> np.ndarray:
    """Per mode: expected log-likelihood of its rows minus KL(posterior, prior)."""
    count, total, squares = moments[..., 0], moments[..., 1], moments[..., 2]
    mean, mean_count, shape, rate = posterior
    precision = shape / rate
    log_precision = digamma(shape) - np.log(rate)
    scatter = squares - 2.0 * mean * total + count * mean * mean
    likelihood = (
        0.5 * count * (log_precision - _LOG_2PI - 1.0 / mean_count)
        - 0.5 * precision * scatter
    )

    mean_divergence = 0.5 * (
        np.log(mean_count / _PRIOR_COUNT)
        + _PRIOR_COUNT / mean_count
        - 1.0
        + _PRIOR_COUNT * precision * mean * mean
    )
    precision_divergence = (
        (shape - _PRIOR_SHAPE) * digamma(shape)
        - gammaln(shape)
        + gammaln(_PRIOR_SHAPE)
        + _PRIOR_SHAPE * (np.log(rate) - np.log(_PRIOR_RATE))
        + shape * (_PRIOR_RATE - rate) / rate
    )
    return likelihood - mean_divergence - precision_divergence


def _weight_term(count: np.ndarray, concentration: float) -> np.ndarray:
    """Expected log weights of the rows minus KL of the sticks from the prior."""
    stick_a = 1.0 + count
    stick_b = concentration + _later(count)
    total = digamma(stick_a + stick_b)
    divergence = (
        -np.log(concentration)
        - gammaln(stick_a)
        - gammaln(stick_b)
        + gammaln(stick_a + stick_b)
        + (stick_a - 1.0) * digamma(stick_a)
        + (stick_b - concentration) * digamma(stick_b)
        + (1.0 + concentration - stick_a - stick_b) * total
    )
    log_weight = _expected_log_weights(stick_a, stick_b)
    return (count * log_weight - divergence).sum(axis=-1)


def _expected_weights(posterior: _Posterior) -> np.ndarray:
    stick = posterior.stick_a / (posterior.stick_a + posterior.stick_b)
    left = np.cumprod(1.0 - stick, axis=1)
    weights = stick.copy()
    weights[:, 1:] *= left[:, :-1]
    return weights / weights.sum(axis=1, keepdims=True)


def _take(posterior: _Posterior, rows: np.ndarray) -> _Posterior:
    return _Posterior(
        stick_a=posterior.stick_a[rows],
        stick_b=posterior.stick_b[rows],
        mean=posterior.mean[rows],
        mean_count=posterior.mean_count[rows],
        shape=posterior.shape[rows],
        rate=posterior.rate[rows],
    )


def _put(posterior: _Posterior, rows: np.ndarray, part: _Posterior) -> None:
    posterior.stick_a[rows] = part.stick_a
    posterior.stick_b[rows] = part.stick_b
    posterior.mean[rows] = part.mean
    posterior.mean_count[rows] = part.mean_count
    posterior.shape[rows] = part.shape
    posterior.rate[rows] = part.rate
