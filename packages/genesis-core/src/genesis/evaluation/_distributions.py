"""Small summaries of each column that the report's plots are drawn from.

The report keeps these instead of the tables, so it can be saved as JSON,
loaded again and still drawn. Every summary is a plain JSON-able dict:

- numbers and datetimes: shared histogram ``edges`` with the share of each
  table's observed values per bin, 101 quantiles of each table (for the
  distribution-function plot) and the value where the KS gap is largest;
  datetimes are nanoseconds after ``offset`` (itself nanoseconds since the
  epoch, in UTC unless either table's column has no time zone), so that
  rounding to seven digits keeps their detail;
- categories and booleans: the 20 most frequent real categories, then one bar
  for all other categories and one for missing, with each table's share.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import numpy as np

from genesis.evaluation._data import DiscreteColumn, EvaluationData, NumericColumn
from genesis.evaluation._shapes import ks_statistic
from genesis.metadata import ColumnType

__all__ = ["MAX_CATEGORIES", "MISSING_LABEL", "column_distributions"]

MAX_CATEGORIES = 20
MISSING_LABEL = "(missing)"
N_HISTOGRAM_BINS = 40
N_QUANTILES = 101
# Integer columns with at most this many distinct steps get one bar per value.
_MAX_INTEGER_BARS = 60
# The histogram spans the central 99% of the values so one outlier cannot
# squeeze the rest into a single bar; the share left out is recorded.
_TAIL = 0.005


def column_distributions(data: EvaluationData) -> dict[Hashable, dict[str, Any]]:
    """One plot summary per scored column, by label."""
    out: dict[Hashable, dict[str, Any]] = {}
    for name in data.columns:
        if name in data.numeric:
            out[name] = _numeric_summary(data.numeric[name])
        else:
            out[name] = _discrete_summary(data.discrete[name])
    return out


def _numeric_summary(column: NumericColumn) -> dict[str, Any]:
    real = np.sort(column.real[~np.isnan(column.real)])
    synthetic = np.sort(column.synthetic[~np.isnan(column.synthetic)])
    summary: dict[str, Any] = {
        "kind": "numeric",
        "column_type": column.column_type.value,
        "edges": [],
        "real": [],
        "synthetic": [],
        "real_quantiles": [],
        "synthetic_quantiles": [],
        "outside_real": 0.0,
        "outside_synthetic": 0.0,
        "ks_at": None,
        "offset": column.offset,
    }
    if real.size == 0 and synthetic.size == 0:
        return summary

    edges = _histogram_edges(real, synthetic, column.column_type)
    levels = np.linspace(0.0, 1.0, N_QUANTILES)
    for role, values in (("real", real), ("synthetic", synthetic)):
        if values.size == 0:
            continue
        counts, _ = np.histogram(values, bins=edges)
        summary[role] = _rounded(counts / values.size)
        summary[f"outside_{role}"] = float(1.0 - counts.sum() / values.size)
        summary[f"{role}_quantiles"] = _rounded(np.quantile(values, levels))
    summary["edges"] = _rounded(edges)
    if real.size and synthetic.size:
        _, at = ks_statistic(real, synthetic)
        summary["ks_at"] = float(at)
    return summary


def _histogram_edges(
    real: np.ndarray, synthetic: np.ndarray, column_type: ColumnType
) -> np.ndarray:
    both = np.concatenate([real, synthetic])
    low, high = float(both.min()), float(both.max())
    integer = column_type is ColumnType.INTEGER
    if integer and high - low <= _MAX_INTEGER_BARS:
        return np.arange(np.floor(low) - 0.5, np.floor(high) + 1.0)
    if both.size > 200:
        parts = [v for v in (real, synthetic) if v.size]
        low = min(float(np.quantile(v, _TAIL)) for v in parts)
        high = max(float(np.quantile(v, 1.0 - _TAIL)) for v in parts)
    if high <= low:
        spread = max(abs(low) * 0.05, 0.5)
        low, high = low - spread, high + spread
    if integer and high - low <= _MAX_INTEGER_BARS:
        return np.arange(np.floor(low) - 0.5, np.floor(high) + 1.0)
    return np.linspace(low, high, N_HISTOGRAM_BINS + 1)


def _discrete_summary(column: DiscreteColumn) -> dict[str, Any]:
    n_codes = column.n_codes
    real = np.bincount(column.real, minlength=n_codes) / column.real.size
    synthetic = np.bincount(column.synthetic, minlength=n_codes) / column.synthetic.size
    n_categories = len(column.categories)
    shown = min(n_categories, MAX_CATEGORIES)

    labels = [_label(v) for v in column.categories[:shown]]
    real_shares = list(real[:shown])
    synthetic_shares = list(synthetic[:shown])
    if n_categories > shown:
        labels.append(f"({n_categories - shown} other categories)")
        real_shares.append(real[shown:n_categories].sum())
        synthetic_shares.append(synthetic[shown:n_categories].sum())
    if real[-1] > 0 or synthetic[-1] > 0:
        labels.append(MISSING_LABEL)
        real_shares.append(real[-1])
        synthetic_shares.append(synthetic[-1])
    return {
        "kind": "discrete",
        "column_type": column.column_type.value,
        "labels": labels,
        "real": _rounded(np.asarray(real_shares, dtype=np.float64)),
        "synthetic": _rounded(np.asarray(synthetic_shares, dtype=np.float64)),
        "n_categories": n_categories,
    }


def _label(value: object) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _rounded(values: np.ndarray) -> list[float]:
    # Seven significant digits are plenty for a plot and keep the JSON small.
    return [float(f"{v:.7g}") for v in np.asarray(values, dtype=np.float64)]
