"""The Gaussian copula: one marginal per prepared column, joined by a correlation.

Fitting gives every value a *normal score* through its column's marginal
distribution; the correlation of the normal scores is the copula. Generating
walks the same path backwards: correlated standard normal draws, through the
normal CDF to ``u`` in [0, 1], through each marginal's inverse.

Continuous marginals. A value held by many rows (the zeros of a capital-gain
column) is an *atom* and keeps its exact probability; a column with few
distinct values keeps its empirical distribution, seen values only. The other
values are fitted with the scipy.stats family of the lowest
Kolmogorov-Smirnov statistic, or with a Gaussian kernel density, bounded to
the observed range. Every continuous marginal ends as a monotone grid from
``u`` to values, so its inverse is one ``np.interp``.

Discrete marginals (label encoding). Each code owns an interval of [0, 1) as
wide as its frequency, and generation maps ``u`` back to the interval it falls
in. The codes are laid out along the direction in which their rows differ
most from the rest of the table, so that a linear copula can carry that link.

Correlation. A row at an atom or a code only tells that its latent normal
score lies in an interval (the distributional transform). Its normal score is
the mean of the standard normal over that interval, and the correlations of
such columns are divided by the share of the variance those means keep, a
first-order estimate of the latent (polyserial, polychoric) correlation.
Without that step a binary column's links to the rest come out diluted.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Self

import numpy as np
from scipy import sparse, special, stats

from genesis._config import ConfigKey, ConfigSpec, one_of, resolve_config
from genesis._latent import _box_scores, _conditional_normals
from genesis._univariate import (
    FAMILIES,
    GAUSSIAN_KDE,
    GRID_POINTS,
    PARAMETRIC,
    FittedPart,
    fit_part,
)
from genesis.data import PreparedColumn, PreparedTable
from genesis.data._anchors import ANCHOR_KEY, Anchor, find_anchors
from genesis.errors import InvalidConfigError, ModelFileError, NotFittedError
from genesis.protocols import ProgressCallback, ProgressEvent

__all__ = ["DISTRIBUTIONS", "FAMILIES", "GaussianCopulaGenerator"]

logger = logging.getLogger(__name__)

EMPIRICAL = "empirical"
LABEL_ENCODING = "label_encoding"
DISTRIBUTIONS = (PARAMETRIC, GAUSSIAN_KDE, *FAMILIES)
CONTINUOUS = "continuous"
DISCRETE = "discrete"

# A value is an atom when it holds at least this share of the rows and at
# least this many rows.
_ATOM_SHARE = 0.02
_MIN_ATOM_ROWS = 10
# A column with at most this many distinct values keeps its empirical
# distribution.
_MAX_EMPIRICAL_VALUES = 30
# Fewer distinct values than this left beside the atoms become atoms too.
_MIN_CONTINUOUS_VALUES = 10
_POWER_ITERATIONS = 50
# Normal scores past this limit have a CDF that rounds to 0 or 1.
_Z_LIMIT = 8.3
# Widest step in normal score between the points of a marginal's grid.
_Z_STEP = 0.05
# A column's correlations are divided by at most 1 / sqrt(_MIN_SIGNAL): a
# rare binary column keeps little signal, and dividing by less would mostly
# amplify noise.
_MIN_SIGNAL = 0.05
_MAX_CORRELATION = 0.999
# Anchors are judged on an evenly spaced sample of at most this many rows.
_ANCHOR_SAMPLE_ROWS = 10_000
# Widest discrete column tried as an anchor.
_ANCHOR_MAX_CATEGORIES = 1_000
_EIGENVALUE_FLOOR = 1e-6


def _check_distributions(value: Any) -> str | None:
    bad = {column: name for column, name in value.items() if name not in DISTRIBUTIONS}
    if bad:
        return (
            f"maps {bad!r} to unknown distributions; each value must be one of "
            f"{list(DISTRIBUTIONS)!r}"
        )
    return None


# -- the continuous part of a column ------------------------------------------------


# -- marginals -----------------------------------------------------------------------


@dataclass
class _ContinuousMarginal:
    """A continuous column: a monotone grid from ``u`` in [0, 1] to values.

    An atom is a flat stretch of the grid: two points at its value, ``F(a-)``
    and ``F(a)``, so every ``u`` between them gives the atom exactly.
    """

    key: str
    distribution: str
    params: dict[str, float]
    n_atoms: int
    grid_u: np.ndarray
    grid_x: np.ndarray

    kind: ClassVar[str] = CONTINUOUS

    def __post_init__(self) -> None:
        self._grid_z, self._grid_z_x = _normal_grid(self.grid_u, self.grid_x)

    def inverse(self, normals: np.ndarray) -> np.ndarray:
        """Values at standard normal draws: ``F^-1(Phi(z))``."""
        return np.interp(normals, self._grid_z, self._grid_z_x)

    def intervals(self) -> tuple[np.ndarray, np.ndarray]:
        """The ``u`` interval of each atom."""
        flat = (self.grid_x[1:] == self.grid_x[:-1]) & (
            self.grid_u[1:] > self.grid_u[:-1]
        )
        return self.grid_u[:-1][flat], self.grid_u[1:][flat]

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        return {f"{prefix}.grid_u": self.grid_u, f"{prefix}.grid_x": self.grid_x}

    def record(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "kind": self.kind,
            "distribution": self.distribution,
            "params": self.params,
            "n_atoms": self.n_atoms,
        }


@dataclass
class _DiscreteMarginal:
    """A discrete column: code ``order[i]`` owns ``[edges[i], edges[i + 1])``.

    Codes that never occur have no interval and are never generated.
    """

    key: str
    order: np.ndarray
    edges: np.ndarray

    kind: ClassVar[str] = DISCRETE

    def __post_init__(self) -> None:
        self._edges_z = special.ndtri(self.edges)

    @classmethod
    def from_order(cls, key: str, order: np.ndarray, frequencies: np.ndarray) -> Self:
        widths = frequencies[order]
        edges = np.concatenate([[0.0], np.cumsum(widths) / widths.sum()])
        edges[-1] = 1.0
        return cls(key, order.astype(np.int64), edges)

    def scores(self, codes: np.ndarray, n_codes: int) -> np.ndarray:
        """The normal score of each row: the mean over its code's interval."""
        position = np.zeros(n_codes, dtype=np.int64)
        position[self.order] = np.arange(len(self.order))
        return _interval_means(self.edges[:-1], self.edges[1:])[position[codes]]

    def inverse(self, normals: np.ndarray) -> np.ndarray:
        """Codes at standard normal draws: the interval ``Phi(z)`` falls in."""
        position = np.searchsorted(self._edges_z, normals, side="right") - 1
        return self.order[np.clip(position, 0, len(self.order) - 1)]

    def intervals(self) -> tuple[np.ndarray, np.ndarray]:
        return self.edges[:-1], self.edges[1:]

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        return {f"{prefix}.order": self.order, f"{prefix}.edges": self.edges}

    def record(self) -> dict[str, Any]:
        return {"key": self.key, "kind": self.kind}


_Marginal = _ContinuousMarginal | _DiscreteMarginal


def _normal_grid(
    grid_u: np.ndarray, grid_x: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """A marginal's grid indexed by normal score ``z`` instead of ``u = Phi(z)``.

    Generation then skips the normal CDF. Points are added wherever the grid
    is coarse in ``z`` (mostly in the tails), so that interpolating in ``z``
    gives what interpolating in ``u`` gives.
    """
    extra_u = special.ndtr(np.arange(-_Z_LIMIT, _Z_LIMIT, _Z_STEP))
    extra_u = extra_u[~np.isin(extra_u, grid_u)]
    extra_x = np.interp(extra_u, grid_u, grid_x)
    # A stable sort keeps the order of grid points that share a u (the jumps).
    order = np.argsort(np.concatenate([grid_u, extra_u]), kind="stable")
    u = np.concatenate([grid_u, extra_u])[order]
    x = np.concatenate([grid_x, extra_x])[order]
    return np.clip(special.ndtri(u), -_Z_LIMIT, _Z_LIMIT), x


def _fit_continuous(
    column: PreparedColumn, distribution: str, bounded: bool, rng: np.random.Generator
) -> tuple[_ContinuousMarginal, np.ndarray]:
    """Fit a continuous column's marginal; return it with each row's normal score."""
    values = np.asarray(column.values, dtype=np.float64)
    n = len(values)
    uniques, inverse, counts = np.unique(
        values, return_inverse=True, return_counts=True
    )
    is_atom = counts >= max(_ATOM_SHARE * n, _MIN_ATOM_ROWS)
    few_left = len(uniques) - is_atom.sum() < _MIN_CONTINUOUS_VALUES
    if len(uniques) <= _MAX_EMPIRICAL_VALUES or few_left:
        is_atom[:] = True
    atoms, atom_probs = uniques[is_atom], counts[is_atom] / n
    in_rest = ~is_atom[inverse]
    rest = values[in_rest]

    part, offset, width = None, 0.0, 1.0
    if len(rest):
        # Spread rounded values over their rounding interval, so the fit sees
        # the distribution that rounds back to the data.
        half_step = 0.5 * column.step if column.step else 0.0
        if half_step:
            rest = rest + rng.uniform(-half_step, half_step, size=len(rest))
        offset = float(rest.min()) - half_step
        width = float(rest.max()) + half_step - offset
        part = fit_part((rest - offset) / width, distribution, bounded, rng)
    grid_u, grid_x = _grid(atoms, atom_probs, part, offset, width, len(rest) / n)

    scores = np.empty(n)
    atom_of_row = (np.cumsum(is_atom) - 1)[inverse[~in_rest]]
    starts = grid_u[np.searchsorted(grid_x, atoms, side="left")]
    scores[~in_rest] = _interval_means(starts, starts + atom_probs)[atom_of_row]
    scores[in_rest] = _normal_scores(np.interp(rest, grid_x, grid_u), n)

    name = EMPIRICAL if part is None else part.distribution
    params = {} if part is None else dict(part.params, offset=offset, width=width)
    if part is not None:
        logger.debug(
            "Column %s: %s, KS %.4f, %d atoms", column.label, name, part.ks, len(atoms)
        )
    marginal = _ContinuousMarginal(column.key, name, params, len(atoms), grid_u, grid_x)
    return marginal, scores


def _grid(
    atoms: np.ndarray,
    atom_probs: np.ndarray,
    part: FittedPart | None,
    offset: float,
    width: float,
    part_weight: float,
) -> tuple[np.ndarray, np.ndarray]:
    """The monotone (u, x) grid of a whole marginal: atoms and continuous part."""
    below = np.concatenate([[0.0], np.cumsum(atom_probs)])
    part_at_atoms = np.zeros(len(atoms))
    xs, us = [atoms, atoms], []
    if part is not None:
        even = np.linspace(part.low, part.high, GRID_POINTS)
        scaled = np.unique(np.concatenate([even, part.points]))
        part_x = offset + scaled * width
        xs.append(part_x)
        us.append(
            part_weight * part.cdf(scaled) + below[np.searchsorted(atoms, part_x)]
        )
        part_at_atoms = part_weight * part.cdf((atoms - offset) / width)
    starts = part_at_atoms + below[:-1]
    us[:0] = [starts, starts + atom_probs]

    grid_x, grid_u = np.concatenate(xs), np.concatenate(us)
    order = np.lexsort((grid_u, grid_x))
    grid_x, grid_u = grid_x[order], np.maximum.accumulate(grid_u[order])
    grid_u = (grid_u - grid_u[0]) / (grid_u[-1] - grid_u[0])
    return grid_u, grid_x


# -- normal scores, code order and correlation -------------------------------------


def _normal_scores(u: np.ndarray, n_rows: int) -> np.ndarray:
    edge = 0.5 / max(n_rows, 1)
    return special.ndtri(np.clip(u, edge, 1.0 - edge))


def _interval_means(low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Mean of a standard normal variable whose CDF lies in [low, high]."""
    a, b = special.ndtri(low), special.ndtri(high)
    mass = np.maximum(high - low, 1e-300)
    return (stats.norm.pdf(a) - stats.norm.pdf(b)) / mass


def _signal_share(marginal: _Marginal) -> float:
    """Share of the latent normal score's variance that a column's scores keep.

    A row at an atom or a code has the mean score of its interval, which
    keeps the variance of those means: one minus the mean variance of the
    standard normal inside the intervals.
    """
    low, high = marginal.intervals()
    mass = high - low
    keep = mass > 0
    low, high, mass = low[keep], high[keep], mass[keep]
    a, b = special.ndtri(low), special.ndtri(high)
    with np.errstate(invalid="ignore"):
        a_term = np.where(np.isfinite(a), a * stats.norm.pdf(a), 0.0)
        b_term = np.where(np.isfinite(b), b * stats.norm.pdf(b), 0.0)
    mean = (stats.norm.pdf(a) - stats.norm.pdf(b)) / mass
    variance = 1.0 + (a_term - b_term) / mass - mean**2
    return float(np.clip(1.0 - np.dot(mass, variance), _MIN_SIGNAL, 1.0))


def _association_order(
    codes: np.ndarray, frequencies: np.ndarray, scores: np.ndarray, own: int
) -> np.ndarray:
    """The codes of one column, ordered by how their rows differ from the rest.

    Each code's rows have a mean normal score in every other column; the
    codes are placed by the projection of those means on their leading
    principal direction (weighted by frequency), so that codes whose rows
    look alike sit side by side.
    """
    n_codes = len(frequencies)
    present = np.flatnonzero(frequencies > 0)
    if len(present) < 3 or scores.shape[1] < 2:
        return _frequency_order(frequencies)
    n = len(codes)
    indicator = sparse.csr_matrix(
        (np.ones(n), codes, np.arange(n + 1)), shape=(n, n_codes)
    ).T.tocsr()
    counts = np.bincount(codes, minlength=n_codes).astype(np.float64)
    means = (indicator @ scores) / np.maximum(counts, 1.0)[:, None]
    means[:, own] = 0.0
    shares = counts / n
    centred = means - shares @ means
    position = centred @ _leading_eigenvector((centred.T * shares) @ centred)
    return present[np.argsort(position[present], kind="stable")]


def _frequency_order(frequencies: np.ndarray) -> np.ndarray:
    order = np.argsort(-frequencies, kind="stable")
    return order[frequencies[order] > 0]


def _leading_eigenvector(matrix: np.ndarray) -> np.ndarray:
    """The leading eigenvector of a symmetric positive semi-definite matrix.

    Power iteration: an ordering direction needs no more, and small LAPACK
    calls are slow on a busy multi-threaded BLAS.
    """
    vector = np.sqrt(np.diag(matrix)) + 1e-12
    for _ in range(_POWER_ITERATIONS):
        vector = matrix @ vector
        norm = np.linalg.norm(vector)
        if norm == 0.0:
            break
        vector = vector / norm
    return vector


def _latent_correlation(scores: np.ndarray, signal_shares: np.ndarray) -> np.ndarray:
    """The correlation of the normal scores, undiluted and positive definite."""
    n_rows, n_columns = scores.shape
    if n_rows < 2 or n_columns == 0:
        return np.eye(n_columns)
    with np.errstate(all="ignore"):
        correlation = np.corrcoef(scores, rowvar=False).reshape(n_columns, n_columns)
    correlation = np.nan_to_num(correlation, nan=0.0)
    scale = np.sqrt(signal_shares)
    correlation = correlation / np.outer(scale, scale)
    correlation = np.clip(correlation, -_MAX_CORRELATION, _MAX_CORRELATION)
    np.fill_diagonal(correlation, 1.0)

    eigenvalues, eigenvectors = np.linalg.eigh(correlation)
    eigenvalues = np.maximum(eigenvalues, _EIGENVALUE_FLOOR)
    correlation = (eigenvectors * eigenvalues) @ eigenvectors.T
    diagonal = np.sqrt(np.diag(correlation))
    correlation = correlation / np.outer(diagonal, diagonal)
    np.fill_diagonal(correlation, 1.0)
    return correlation


# -- the generator ---------------------------------------------------------------------


class GaussianCopulaGenerator:
    """The Gaussian copula in numpy; the core registers it under backend ``numpy``.

    Whatever distribution the config names, a value held by at least 2 % of
    the rows keeps its exact probability, and a numeric column with at most
    30 distinct values keeps its empirical distribution; the distribution is
    fitted to the remaining values. ``"parametric"`` takes the scipy family
    with the lowest KS statistic, or a Gaussian kernel density when a KS test
    rejects every family. With ``enforce_min_max_values`` off, marginals run
    past the observed range; the data plane still clips output to it.

    Conditions are met exactly where the latent normal allows, and by the
    core's filtering otherwise. One value of a continuous column
    (``pinned``) fixes its normal score, which no filter could meet (no
    draw hits a value exactly); a category of a discrete column bounds its
    normal score to the category's interval, drawn from the truncated
    normal (several categories from the joint normal truncated to their
    box); the other scores are drawn from the normal conditioned on those.

    A continuous column that one discrete column nearly determines (see
    :mod:`genesis.data._anchors`) is modelled as its standardised distance
    from its category's mean, and generated as the generated category's
    mean plus that distance; one it fixes exactly is modelled as it is and
    set to its generated category's value. Years of schooling then always
    match the degree, which a rank correlation only approximates.
    """

    method: ClassVar[str] = "gaussian_copula"
    backend: ClassVar[str] = "numpy"
    supports_conditions: ClassVar[bool] = True
    supports_several_conditions: ClassVar[bool] = True
    supports_pinned_values: ClassVar[bool] = True
    config_spec: ClassVar[ConfigSpec] = {
        "default_distribution": ConfigKey(
            PARAMETRIC,
            (str,),
            one_of(*DISTRIBUTIONS),
            "Marginal of continuous columns: 'parametric' (best-fitting scipy "
            "family), 'gaussian_kde', or one family name.",
        ),
        "categorical_transformer": ConfigKey(
            LABEL_ENCODING,
            (str,),
            one_of(LABEL_ENCODING),
            "How discrete columns enter the copula.",
        ),
        "enforce_min_max_values": ConfigKey(
            True, (bool,), None, "Bound continuous marginals to the observed range."
        ),
        "numerical_distributions": ConfigKey(
            {},
            (dict,),
            _check_distributions,
            "Distribution per continuous column, overriding default_distribution.",
        ),
        "anchor_threshold": ANCHOR_KEY,
    }

    def __init__(
        self, config: Mapping[str, Any], *, seed: int | None, device: str | None = None
    ) -> None:
        self.config = resolve_config(self.method, self.config_spec, config)
        self.config["numerical_distributions"] = dict(
            self.config["numerical_distributions"]
        )
        self._seed = seed
        self._device = device
        self.marginals_: list[_Marginal] | None = None
        self.anchors_: dict[str, Anchor] = {}
        self.correlation_: np.ndarray | None = None
        self._cholesky: np.ndarray | None = None

    # -- fit ---------------------------------------------------------------------

    def fit(
        self, prepared: PreparedTable, *, progress: ProgressCallback | None = None
    ) -> None:
        """Fit one marginal per prepared column, then the copula's correlation.

        Raises:
            InvalidConfigError: ``numerical_distributions`` names a column that
                is not a continuous column of the table.
        """
        distributions, named = self._column_distributions(prepared)
        rng = np.random.default_rng(self._seed)
        bounded = bool(self.config["enforce_min_max_values"])
        total = len(prepared.columns) + 1

        step = max(1, -(-prepared.n_rows // _ANCHOR_SAMPLE_ROWS))
        threshold = self.config["anchor_threshold"]
        anchors = (
            {}
            if threshold is None
            else find_anchors(
                prepared,
                np.arange(0, prepared.n_rows, step),
                threshold,
                _ANCHOR_MAX_CATEGORIES,
            )
        )
        marginals: list[_Marginal] = []
        scores = np.empty((prepared.n_rows, len(prepared.columns)))
        # Codes are ordered against the columns' own values: an anchored
        # column's residual no longer carries its level, which the order of
        # its anchor's codes should still follow.
        level_scores: dict[int, np.ndarray] = {}
        for index, column in enumerate(prepared.columns):
            if column.kind == CONTINUOUS:
                distribution = distributions[column.key]
                anchor = anchors.get(column.key)
                if anchor is not None and not anchor.exact:
                    ranks = stats.rankdata(column.values) / (prepared.n_rows + 1)
                    level_scores[index] = _normal_scores(ranks, prepared.n_rows)
                    column = _residual_column(column, anchor, prepared)
                if anchor is not None:
                    logger.info(
                        "Column %s is modelled relative to %s, whose categories "
                        "explain %.1f%% of its variance.",
                        column.label,
                        prepared[anchor.key].label,
                        100.0 * anchor.explained,
                    )
                marginal, scores[:, index] = _fit_continuous(
                    column, distribution, bounded, rng
                )
                _warn_unused_distribution(
                    column, distribution, marginal, column.key in named
                )
            else:
                frequencies = _frequencies(column)
                order = _frequency_order(frequencies)
                marginal = _DiscreteMarginal.from_order(column.key, order, frequencies)
                scores[:, index] = marginal.scores(column.values, len(frequencies))
            marginals.append(marginal)
            _report(progress, index + 1, total)

        self._order_codes(prepared, marginals, scores, level_scores)
        shares = np.array([_signal_share(m) for m in marginals])
        self.correlation_ = _latent_correlation(scores, shares)
        self._cholesky = np.linalg.cholesky(self.correlation_)
        self.marginals_ = marginals
        self.anchors_ = anchors
        _report(progress, total, total)
        logger.info(
            "Fitted the Gaussian copula on %d prepared columns and %d rows.",
            len(marginals),
            prepared.n_rows,
        )

    def _column_distributions(
        self, prepared: PreparedTable
    ) -> tuple[dict[str, str], set[str]]:
        """The distribution of each continuous prepared column, and the keys
        ``numerical_distributions`` names."""
        continuous = {c.key: c for c in prepared.columns if c.kind == CONTINUOUS}
        keys: dict[Hashable, str] = {}
        for column in continuous.values():
            keys[column.source] = column.key
            keys[column.key] = column.key
        chosen = {key: self.config["default_distribution"] for key in continuous}
        named: set[str] = set()
        for name, distribution in self.config["numerical_distributions"].items():
            key = keys.get(name, keys.get(str(name)))
            if key is None:
                raise InvalidConfigError(
                    f"numerical_distributions names {name!r}, which is not a "
                    f"continuous column of the data; continuous columns are "
                    f"{[c.source for c in continuous.values()]!r}. Correct the name "
                    "or remove it."
                )
            chosen[key] = distribution
            named.add(key)
        return chosen, named

    @staticmethod
    def _order_codes(
        prepared: PreparedTable,
        marginals: list[_Marginal],
        scores: np.ndarray,
        level_scores: Mapping[int, np.ndarray],
    ) -> None:
        """Re-order the codes of each discrete column by its link to the others.

        ``level_scores`` replace the scores of anchored columns (their
        residuals) while the order is chosen.
        """
        ordering = scores.copy()
        for index, values in level_scores.items():
            ordering[:, index] = values
        for index, column in enumerate(prepared.columns):
            if column.kind != DISCRETE:
                continue
            frequencies = _frequencies(column)
            order = _association_order(column.values, frequencies, ordering, index)
            marginal = _DiscreteMarginal.from_order(column.key, order, frequencies)
            scores[:, index] = marginal.scores(column.values, len(frequencies))
            ordering[:, index] = scores[:, index]
            marginals[index] = marginal

    # -- generate ------------------------------------------------------------------

    def generate(
        self,
        n: int,
        *,
        rng: np.random.Generator,
        conditions: Mapping[str, Any] | None = None,
        pinned: Mapping[str, float] | None = None,
    ) -> dict[str, np.ndarray]:
        """Generate ``n`` rows: float64 values or int64 codes per prepared column key.

        Args:
            n: Rows to generate.
            rng: Source of every random draw.
            conditions: ``{key: code}`` of discrete prepared columns, all
                met exactly: their normal scores are drawn from the normal
                truncated to the codes' intervals (by Gibbs sweeps when
                there are several), and the other columns conditioned on
                them.
            pinned: ``{key: value}`` for continuous prepared columns that
                every row must hold exactly. A key this copula cannot pin (a
                discrete or anchored column, a value at an atom or outside
                the marginal) is left free, for the core's filter.

        Raises:
            NotFittedError: ``fit`` has not run.
        """
        marginals, cholesky = self._fitted()
        scores = self._pinned_scores(marginals, pinned or {})
        fixed = {index: np.full(n, score) for index, score in scores.items()}
        boxes = self._category_intervals(marginals, conditions or {})
        if boxes:
            assert self.correlation_ is not None
            fixed.update(_box_scores(self.correlation_, fixed, boxes, n, rng))
        if fixed:
            assert self.correlation_ is not None
            normals = _conditional_normals(self.correlation_, fixed, n, rng)
        else:
            # One row per column keeps each column's values contiguous for
            # np.interp.
            normals = cholesky @ rng.standard_normal((len(marginals), n))
        rows = {m.key: m.inverse(normals[index]) for index, m in enumerate(marginals)}
        for index in scores:
            key = marginals[index].key
            # The value itself, not its round trip through the grid.
            rows[key] = np.full(n, float(pinned[key]))  # type: ignore[index]
        for key, anchor in self.anchors_.items():
            rows[key] = anchor.output(rows[key], rows[anchor.key])
        return rows

    def _category_intervals(
        self, marginals: list[_Marginal], conditions: Mapping[str, Any]
    ) -> dict[int, tuple[float, float]]:
        """The normal-score interval of each code asked of a discrete column,
        by column index."""
        index_of = {m.key: index for index, m in enumerate(marginals)}
        boxes: dict[int, tuple[float, float]] = {}
        for key, code in conditions.items():
            index = index_of.get(key)
            if index is None or not isinstance(marginals[index], _DiscreteMarginal):
                continue
            marginal = marginals[index]
            position = np.flatnonzero(marginal.order == code)
            if position.size:
                edges = marginal.edges[position[0] : position[0] + 2]
                low, high = special.ndtri(edges.astype(np.float64))
                boxes[index] = (float(low), float(high))
        return boxes

    def pinned_keys(self, pinned: Mapping[str, float]) -> list[str]:
        """The keys of ``pinned`` that :meth:`generate` holds exactly."""
        marginals, _ = self._fitted()
        scores = self._pinned_scores(marginals, pinned)
        return [marginals[index].key for index in scores]

    def _pinned_scores(
        self, marginals: list[_Marginal], pinned: Mapping[str, float]
    ) -> dict[int, float]:
        """The normal score of each value the copula can pin, by column index.

        A value is pinned only where one normal score gives it: inside the
        marginal's range, off its atoms (a value held by many rows is met
        often enough by the core's filter), on a column modelled as itself
        (an anchored column is generated from its category).
        """
        index_of = {m.key: index for index, m in enumerate(marginals)}
        scores: dict[int, float] = {}
        for key, value in pinned.items():
            index = index_of.get(key)
            if index is None or key in self.anchors_:
                continue
            marginal = marginals[index]
            if not isinstance(marginal, _ContinuousMarginal):
                continue
            xs, zs = marginal._grid_z_x, marginal._grid_z
            if not xs[0] < value < xs[-1] or np.count_nonzero(xs == value) > 1:
                continue
            scores[index] = float(np.interp(value, xs, zs))
        return scores

    def _fitted(self) -> tuple[list[_Marginal], np.ndarray]:
        if self.marginals_ is None or self._cholesky is None:
            raise NotFittedError(
                "The Gaussian copula is not fitted; call fit(prepared) before "
                "generate or get_state."
            )
        return self.marginals_, self._cholesky

    @property
    def distributions_(self) -> dict[str, str]:
        """The distribution each continuous prepared column ended with."""
        marginals, _ = self._fitted()
        return {
            m.key: m.distribution
            for m in marginals
            if isinstance(m, _ContinuousMarginal)
        }

    # -- state ---------------------------------------------------------------------

    def get_state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """Arrays ``correlation`` and ``marginal.<i>.*``, and a JSON-able record."""
        marginals, _ = self._fitted()
        arrays = {"correlation": np.asarray(self.correlation_)}
        records = []
        for index, marginal in enumerate(marginals):
            prefix = f"marginal.{index}"
            arrays.update(marginal.arrays(prefix))
            record = marginal.record()
            anchor = self.anchors_.get(marginal.key)
            if anchor is not None:
                arrays.update(anchor.arrays(prefix))
                record.update(anchor.record())
            records.append(record)
        return arrays, {"marginals": records}

    @classmethod
    def from_state(
        cls,
        config: Mapping[str, Any],
        arrays: Mapping[str, np.ndarray],
        state: Mapping[str, Any],
        *,
        device: str | None = None,
    ) -> Self:
        """Rebuild a fitted copula saved by :meth:`get_state`.

        Raises:
            ModelFileError: An array the state refers to is missing.
        """
        generator = cls(config, seed=None, device=device)

        def array(name: str, dtype: type) -> np.ndarray:
            if name not in arrays:
                raise ModelFileError(
                    f"The saved Gaussian copula lacks the array {name!r}; the file is "
                    "damaged or was not written by Genesis. Fit and save the model "
                    "again."
                )
            return np.asarray(arrays[name], dtype=dtype)

        marginals: list[_Marginal] = []
        for index, record in enumerate(state["marginals"]):
            prefix = f"marginal.{index}"
            anchor = Anchor.from_record(record, arrays, prefix)
            if anchor is not None:
                generator.anchors_[record["key"]] = anchor
            if record["kind"] == CONTINUOUS:
                marginal: _Marginal = _ContinuousMarginal(
                    record["key"],
                    record["distribution"],
                    dict(record["params"]),
                    int(record["n_atoms"]),
                    array(f"{prefix}.grid_u", np.float64),
                    array(f"{prefix}.grid_x", np.float64),
                )
            else:
                marginal = _DiscreteMarginal(
                    record["key"],
                    array(f"{prefix}.order", np.int64),
                    array(f"{prefix}.edges", np.float64),
                )
            marginals.append(marginal)
        generator.marginals_ = marginals
        generator.correlation_ = array("correlation", np.float64)
        generator._cholesky = np.linalg.cholesky(generator.correlation_)
        return generator


def _warn_unused_distribution(
    column: PreparedColumn, asked: str, marginal: _ContinuousMarginal, named: bool
) -> None:
    """Warn when a column did not get the distribution the config asked.

    A column named in ``numerical_distributions`` is warned about whatever
    took the place of its family; one under ``default_distribution`` only
    when the family could not be fitted (few distinct values keeping their
    empirical distribution is the documented rule, not a failure).
    """
    got = marginal.distribution
    if asked in (PARAMETRIC, got):
        return
    if got == EMPIRICAL:
        if not named:
            return
        reason = (
            f"it has at most {_MAX_EMPIRICAL_VALUES} distinct values, or fewer "
            f"than {_MIN_CONTINUOUS_VALUES} beside values that each hold "
            f"{_ATOM_SHARE:.0%} of the rows, so it keeps its empirical distribution"
        )
        advice = "Leave it out of numerical_distributions"
    else:
        reason = f"no {asked} distribution could be fitted to it, so it uses {got!r}"
        advice = "Ask for 'parametric' or 'gaussian_kde' for it"
    where = "numerical_distributions" if named else "default_distribution"
    warnings.warn(
        f"Column {column.label} was asked to follow {asked!r} by {where}, but "
        f"{reason}. {advice} to silence this warning.",
        UserWarning,
        stacklevel=4,
    )


def _residual_column(
    column: PreparedColumn, anchor: Anchor, prepared: PreparedTable
) -> PreparedColumn:
    """``column`` as distances from its anchor's category means."""
    residuals = anchor.modelled(column.values, prepared[anchor.key].values)
    return PreparedColumn(
        key=column.key,
        source=column.source,
        kind=CONTINUOUS,
        values=residuals,
        lower=float(residuals.min()),
        upper=float(residuals.max()),
    )


def _frequencies(column: PreparedColumn) -> np.ndarray:
    if column.frequencies is not None:
        return np.asarray(column.frequencies, dtype=np.float64)
    counts = np.bincount(column.values).astype(np.float64)
    return counts / counts.sum()


def _report(progress: ProgressCallback | None, step: int, total: int) -> None:
    if progress is not None:
        progress(ProgressEvent(stage="fit", step=step, total=total))
