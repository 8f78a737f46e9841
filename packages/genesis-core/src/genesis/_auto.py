"""``method="auto"``: the generator guide's selection chart, with reasons."""

from __future__ import annotations

import logging
import warnings

import numpy as np
import pandas as pd
from scipy import stats

from genesis._registry import get_registry
from genesis.metadata import ColumnType, TableMetadata

__all__ = ["choose_method"]

logger = logging.getLogger(__name__)

SMALL_TABLE_ROWS = 10_000
LARGE_TABLE_ROWS = 100_000
MAX_SIMPLE_CATEGORIES = 100
HEAVY_SKEW = 2.0
# Sarle's bimodality coefficient: above 5/9 (its value for a uniform) the
# distribution is more likely multimodal than unimodal.
BIMODALITY_THRESHOLD = 5 / 9
_SAMPLE_ROWS = 20_000


def choose_method(
    data: pd.DataFrame, metadata: TableMetadata, gpu_available: bool = False
) -> tuple[str, list[str]]:
    """Pick a method for ``data`` and say why.

    Returns:
        The method name and the reasons, one sentence each.
    """
    n_rows = len(data)
    reasons: list[str] = []
    if n_rows < SMALL_TABLE_ROWS:
        complex_columns = _complex_columns(data, metadata)
        if complex_columns:
            method = "tvae"
            reasons.append(
                f"{n_rows} rows (under {SMALL_TABLE_ROWS}) but complex columns: "
                + "; ".join(complex_columns)
            )
        else:
            method = "gaussian_copula"
            reasons.append(
                f"{n_rows} rows (under {SMALL_TABLE_ROWS}) and no multimodal, heavily "
                f"skewed or over-{MAX_SIMPLE_CATEGORIES}-category column"
            )
    elif n_rows <= LARGE_TABLE_ROWS:
        method = "tvae"
        reasons.append(
            f"{n_rows} rows (between {SMALL_TABLE_ROWS} and {LARGE_TABLE_ROWS})"
        )
    else:
        method = "ctgan"
        where = "on the GPU" if gpu_available else "on the CPU (no GPU found)"
        reasons.append(f"{n_rows} rows (over {LARGE_TABLE_ROWS}); CTGAN {where}")

    if method != "gaussian_copula" and not get_registry().generators.backends_for(
        method
    ):
        message = (
            f"method='auto' chose {method!r} ({reasons[-1]}), but no installed backend "
            "provides it; falling back to 'gaussian_copula'. Install "
            '"genesis-synth-torch" or "genesis-synth-jax" to use it.'
        )
        warnings.warn(message, stacklevel=3)
        reasons.append(f"no backend installed for {method!r}: fell back to the copula")
        method = "gaussian_copula"
    logger.info("Chose method %r for %d rows: %s", method, n_rows, "; ".join(reasons))
    return method, reasons


def _complex_columns(data: pd.DataFrame, metadata: TableMetadata) -> list[str]:
    found = []
    sample = (
        data if len(data) <= _SAMPLE_ROWS else data.sample(_SAMPLE_ROWS, random_state=0)
    )
    for column in metadata:
        series = sample[column.name]
        if column.is_discrete:
            n_values = series.nunique(dropna=True)
            if n_values > MAX_SIMPLE_CATEGORIES:
                found.append(f"{column.name!r} has {n_values} categories")
        elif column.column_type in (ColumnType.CONTINUOUS, ColumnType.INTEGER):
            values = series.to_numpy(dtype=np.float64, na_value=np.nan)
            values = values[np.isfinite(values)]
            if values.size < 8 or np.ptp(values) == 0:
                continue
            skew = float(stats.skew(values))
            kurt = float(stats.kurtosis(values))
            n = values.size
            bimodality = (skew**2 + 1) / (kurt + 3 * (n - 1) ** 2 / ((n - 2) * (n - 3)))
            if abs(skew) > HEAVY_SKEW:
                found.append(f"{column.name!r} is heavily skewed (skewness {skew:.1f})")
            elif bimodality > BIMODALITY_THRESHOLD:
                found.append(
                    f"{column.name!r} looks multimodal (bimodality {bimodality:.2f})"
                )
    return found
