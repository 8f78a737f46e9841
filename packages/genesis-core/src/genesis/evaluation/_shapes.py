"""Column shapes: how closely each synthetic column follows its real one.

Numbers and datetimes are scored by the KS complement, ``1 - D``, where ``D``
is the two-sample Kolmogorov-Smirnov statistic (the largest gap between the
two empirical distribution functions) of the observed values. Categories and
booleans are scored by the total-variation complement,
``1 - 0.5 * sum(|p_real - p_synthetic|)`` over the category frequencies, with
missing counted as one more category. Both lie in [0, 1]; 1 means the same
distribution. These are the definitions sdmetrics uses for its KSComplement
and TVComplement, except that sdmetrics leaves missing values out of the
total variation. Floats are compared to 15 significant digits (7 next to a
float32 column), so values that differ only by rounding are one value;
sdmetrics rounds to 14 decimal places to the same end.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from genesis.evaluation._data import DiscreteColumn, EvaluationData, NumericColumn

__all__ = [
    "KS_COMPLEMENT",
    "SHAPE_COLUMNS",
    "TV_COMPLEMENT",
    "column_shapes",
    "ks_statistic",
    "tv_complement",
]

KS_COMPLEMENT = "ks_complement"
TV_COMPLEMENT = "tv_complement"

SHAPE_COLUMNS = (
    "column",
    "column_type",
    "metric",
    "score",
    "missing_real",
    "missing_synthetic",
    "note",
)


def column_shapes(data: EvaluationData) -> pd.DataFrame:
    """Score every column of ``data``; one row per column, in table order.

    The frame has the columns of :data:`SHAPE_COLUMNS`. ``score`` is NaN when
    the real column has no observed value to compare with.
    """
    rows = []
    for name in data.columns:
        if name in data.numeric:
            metric, score, note = _numeric_shape(data.numeric[name])
        else:
            metric = TV_COMPLEMENT
            score, note = _discrete_shape(data.discrete[name])
        missing_real, missing_synthetic = data.missing_rates(name)
        rows.append(
            (
                name,
                data.column_type(name).value,
                metric,
                score,
                missing_real,
                missing_synthetic,
                note,
            )
        )
    frame = pd.DataFrame.from_records(rows, columns=list(SHAPE_COLUMNS))
    return frame.astype(
        {
            "score": np.float64,
            "missing_real": np.float64,
            "missing_synthetic": np.float64,
        }
    )


def ks_statistic(real: np.ndarray, synthetic: np.ndarray) -> tuple[float, float]:
    """The two-sample KS statistic of two sorted samples, and where it occurs.

    Args:
        real: Sorted observed values, no NaN, at least one.
        synthetic: Sorted observed values, no NaN, at least one.

    Returns:
        ``(D, x)``: the largest absolute gap between the two empirical
        distribution functions, and the value at which it is reached.
    """
    points = np.concatenate([real, synthetic])
    cdf_real = np.searchsorted(real, points, side="right") / real.size
    cdf_synthetic = np.searchsorted(synthetic, points, side="right") / synthetic.size
    gaps = np.abs(cdf_real - cdf_synthetic)
    at = int(np.argmax(gaps))
    return float(gaps[at]), float(points[at])


def tv_complement(real: np.ndarray, synthetic: np.ndarray, n_codes: int) -> float:
    """One minus the total variation distance between two code frequencies."""
    p = np.bincount(real, minlength=n_codes) / real.size
    q = np.bincount(synthetic, minlength=n_codes) / synthetic.size
    return float(1.0 - 0.5 * np.abs(p - q).sum())


def _numeric_shape(column: NumericColumn) -> tuple[str, float, str]:
    real = np.sort(column.real[~np.isnan(column.real)])
    synthetic = np.sort(column.synthetic[~np.isnan(column.synthetic)])
    notes = []
    if column.non_finite:
        notes.append(
            f"{column.non_finite} infinite synthetic value(s) counted as missing"
        )
    if real.size == 0:
        notes.append("no observed real values to compare with")
        return KS_COMPLEMENT, float("nan"), "; ".join(notes)
    if synthetic.size == 0:
        notes.append("the synthetic column is all missing")
        return KS_COMPLEMENT, 0.0, "; ".join(notes)
    statistic, _ = ks_statistic(real, synthetic)
    return KS_COMPLEMENT, 1.0 - statistic, "; ".join(notes)


def _discrete_shape(column: DiscreteColumn) -> tuple[float, str]:
    score = tv_complement(column.real, column.synthetic, column.n_codes)
    if not column.retyped:
        return score, ""
    stored, category = column.retyped_example
    return score, (
        f"{column.retyped} synthetic value(s) stored as another type were read "
        f"as the real categories they spell, such as {stored!r} as {category!r}"
    )
