"""Column pair trends: how well the synthetic data keeps relations between columns.

A pair of numeric columns (numbers or datetimes) is scored by correlation
similarity, ``1 - |r_real - r_synthetic| / 2`` with Pearson's ``r`` over the
rows where both are observed; this is how sdmetrics defines
CorrelationSimilarity. Any other pair is scored by contingency similarity,
``1 - 0.5 * sum(|P_real - P_synthetic|)`` over the cells of the two
normalised contingency tables, with missing as one more category. A numeric
column paired with a category is first cut into bins at the deciles of its
real values (ties merged), so the bins are the same for both tables.
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from genesis.evaluation._data import EvaluationData, NumericColumn

__all__ = [
    "CONTINGENCY_SIMILARITY",
    "CORRELATION_SIMILARITY",
    "N_BINS",
    "PAIR_COLUMNS",
    "PairTrends",
    "column_pair_trends",
    "contingency_similarity",
    "label_index",
    "pairwise_pearson",
]

CORRELATION_SIMILARITY = "correlation_similarity"
CONTINGENCY_SIMILARITY = "contingency_similarity"
N_BINS = 10

PAIR_COLUMNS = (
    "column_1",
    "column_2",
    "metric",
    "score",
    "real_correlation",
    "synthetic_correlation",
    "note",
)

# Past this many cells a dense contingency table costs more than counting
# only the cells that occur.
_MAX_DENSE_CELLS = 1 << 18


@dataclass(frozen=True)
class PairTrends:
    """Pair scores and the correlation matrices they came from.

    Attributes:
        details: One row per pair, with the columns of :data:`PAIR_COLUMNS`.
        correlation_real: Pearson correlations of the real numeric columns.
        correlation_synthetic: The same for the synthetic columns.
    """

    details: pd.DataFrame
    correlation_real: pd.DataFrame
    correlation_synthetic: pd.DataFrame


def column_pair_trends(data: EvaluationData) -> PairTrends:
    """Score every pair of scored columns, in table order."""
    numeric_names = [name for name in data.columns if name in data.numeric]
    numeric = [data.numeric[name] for name in numeric_names]
    real_r = pairwise_pearson(
        np.column_stack([c.real for c in numeric])
        if numeric
        else np.empty((data.real_rows_used, 0))
    )
    synthetic_r = pairwise_pearson(
        np.column_stack([c.synthetic for c in numeric])
        if numeric
        else np.empty((data.synthetic_rows_used, 0))
    )
    position = {name: i for i, name in enumerate(numeric_names)}
    codes = _pair_codes(data)
    real_flaws = _flaws({c.name: c.real for c in numeric}, "real")
    synthetic_flaws = _flaws({c.name: c.synthetic for c in numeric}, "synthetic")

    rows = []
    for first, second in itertools.combinations(data.columns, 2):
        if first in position and second in position:
            i, j = position[first], position[second]
            rows.append(
                _correlation_row(
                    (first, second),
                    real_r[i, j],
                    synthetic_r[i, j],
                    real_flaws,
                    synthetic_flaws,
                )
            )
        else:
            real_a, synthetic_a, n_a = codes[first]
            real_b, synthetic_b, n_b = codes[second]
            score = contingency_similarity(
                (real_a, real_b), (synthetic_a, synthetic_b), (n_a, n_b)
            )
            rows.append(
                (first, second, CONTINGENCY_SIMILARITY, score, np.nan, np.nan, "")
            )
    details = pd.DataFrame.from_records(rows, columns=list(PAIR_COLUMNS))
    details = details.astype(
        {
            "score": np.float64,
            "real_correlation": np.float64,
            "synthetic_correlation": np.float64,
        }
    )
    index = label_index(numeric_names)
    return PairTrends(
        details=details,
        correlation_real=pd.DataFrame(real_r, index=index, columns=index),
        correlation_synthetic=pd.DataFrame(synthetic_r, index=index, columns=index),
    )


def label_index(labels: list[Hashable]) -> pd.Index:
    """An index of column labels that keeps tuple labels whole."""
    if any(isinstance(label, tuple) for label in labels):
        values = np.empty(len(labels), dtype=object)
        values[:] = labels
        return pd.Index(values)
    return pd.Index(labels)


def pairwise_pearson(matrix: np.ndarray) -> np.ndarray:
    """Pearson correlations between the columns of ``matrix``.

    Each pair uses the rows where both columns are observed (not NaN). A pair
    with fewer than two such rows, or where either column is constant over
    them, gets NaN.
    """
    n_columns = matrix.shape[1]
    if n_columns == 0:
        return np.empty((0, 0))
    observed = ~np.isnan(matrix)
    # Centre and scale first: raw sums of squares of large values (incomes,
    # nanoseconds) would lose the digits the correlation lives in.
    counts = observed.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(observed, matrix, 0.0).sum(axis=0) / counts
        scaled = np.where(observed, matrix - means, 0.0)
        scales = np.sqrt((scaled**2).sum(axis=0) / counts)
        scaled = scaled / np.where(scales > 0, scales, 1.0)

        mask = observed.astype(np.float64)
        n = mask.T @ mask
        sums = scaled.T @ mask
        squares = (scaled**2).T @ mask
        products = scaled.T @ scaled
        covariance = products - sums * sums.T / n
        variance_first = squares - sums**2 / n
        variance_second = variance_first.T
        correlation = covariance / np.sqrt(variance_first * variance_second)

    tiny = 1e-12 * np.maximum(n, 1.0)
    undefined = (n < 2) | (variance_first <= tiny) | (variance_second <= tiny)
    correlation[undefined] = np.nan
    return np.clip(correlation, -1.0, 1.0)


def contingency_similarity(
    real: tuple[np.ndarray, np.ndarray],
    synthetic: tuple[np.ndarray, np.ndarray],
    n_codes: tuple[int, int],
) -> float:
    """One minus the total variation distance of two contingency tables.

    Args:
        real: The codes of the two columns in the real table.
        synthetic: The codes of the two columns in the synthetic table.
        n_codes: How many codes each column can take.
    """
    width = n_codes[1]
    real_cells = real[0] * width + real[1]
    synthetic_cells = synthetic[0] * width + synthetic[1]
    n_cells = n_codes[0] * width
    if n_cells > _MAX_DENSE_CELLS:
        _, inverse = np.unique(
            np.concatenate([real_cells, synthetic_cells]), return_inverse=True
        )
        n_cells = int(inverse.max()) + 1
        real_cells, synthetic_cells = (
            inverse[: real_cells.size],
            inverse[real_cells.size :],
        )
    p = np.bincount(real_cells, minlength=n_cells) / real_cells.size
    q = np.bincount(synthetic_cells, minlength=n_cells) / synthetic_cells.size
    return float(1.0 - 0.5 * np.abs(p - q).sum())


def quantile_bin_codes(
    column: NumericColumn, n_bins: int = N_BINS
) -> tuple[np.ndarray, np.ndarray, int]:
    """Cut a numeric column into bins at the quantiles of its real values.

    Returns:
        The real codes, the synthetic codes and the number of codes; the last
        code means missing.
    """
    observed = column.real[~np.isnan(column.real)]
    if observed.size:
        levels = np.linspace(0.0, 1.0, n_bins + 1)[1:-1]
        edges = np.unique(np.quantile(observed, levels))
    else:
        edges = np.empty(0)
    missing_code = edges.size + 1

    def codes(values: np.ndarray) -> np.ndarray:
        # side="left" puts a value equal to an edge in the bin below it, so a
        # zero-inflated column keeps its zeros apart from the rest.
        binned = np.searchsorted(edges, values, side="left")
        binned[np.isnan(values)] = missing_code
        return binned

    return codes(column.real), codes(column.synthetic), missing_code + 1


def _pair_codes(
    data: EvaluationData,
) -> dict[Hashable, tuple[np.ndarray, np.ndarray, int]]:
    codes: dict[Hashable, tuple[np.ndarray, np.ndarray, int]] = {}
    for name, discrete in data.discrete.items():
        codes[name] = (discrete.real, discrete.synthetic, discrete.n_codes)
    if data.discrete:
        for name, numeric in data.numeric.items():
            codes[name] = quantile_bin_codes(numeric)
    return codes


def _correlation_row(
    pair: tuple[Hashable, Hashable],
    real_r: float,
    synthetic_r: float,
    real_flaws: dict[Hashable, str],
    synthetic_flaws: dict[Hashable, str],
) -> tuple[object, ...]:
    first, second = pair
    if np.isnan(real_r):
        flawed = [name for name in pair if name in real_flaws]
        note = (
            f"{flawed[0]!r} {real_flaws[flawed[0]]}"
            if flawed
            else "fewer than two rows where both are observed in the real data"
        )
        return (
            first,
            second,
            CORRELATION_SIMILARITY,
            np.nan,
            real_r,
            synthetic_r,
            note,
        )
    note = ""
    compared = synthetic_r
    if np.isnan(synthetic_r):
        # A synthetic column that does not vary carries no linear relation;
        # score it as correlation 0 rather than leave the pair out.
        flawed = [name for name in pair if name in synthetic_flaws]
        what = (
            f"{flawed[0]!r} {synthetic_flaws[flawed[0]]}"
            if flawed
            else "fewer than two synthetic rows observe both"
        )
        note = f"{what}; scored as correlation 0"
        compared = 0.0
    score = 1.0 - abs(real_r - compared) / 2.0
    return (first, second, CORRELATION_SIMILARITY, score, real_r, synthetic_r, note)


def _flaws(columns: dict[Hashable, np.ndarray], role: str) -> dict[Hashable, str]:
    """Why a column can have no correlation: too few values, or one value."""
    flaws = {}
    for name, values in columns.items():
        observed = values[~np.isnan(values)]
        if observed.size < 2:
            flaws[name] = f"has fewer than two observed {role} values"
        elif observed.min() == observed.max():
            flaws[name] = f"is constant in the {role} data"
    return flaws
