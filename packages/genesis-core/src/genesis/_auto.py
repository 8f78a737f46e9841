"""``method="auto"``: the generator guide's selection chart, with reasons."""

from __future__ import annotations

import logging
import warnings

import numpy as np
import pandas as pd
from scipy import stats

from genesis._callers import caller_stacklevel
from genesis._registry import get_registry
from genesis.data._numbers import as_numbers
from genesis.metadata import ColumnType, TableMetadata

__all__ = ["choose_method"]

logger = logging.getLogger(__name__)

SMALL_TABLE_ROWS = 10_000
LARGE_TABLE_ROWS = 100_000
MAX_SIMPLE_CATEGORIES = 100
HEAVY_SKEW = 2.0
# A column is multimodal when its density (a Gaussian kernel estimate with
# Scott's bandwidth) has two peaks, each at least a quarter of the highest,
# with a dip between them to under half the lower one. Penguins' flipper
# length (two species' humps, dip at 72%) is not; a mixture of two well
# separated groups is.
MODE_HEIGHT = 0.25
MODE_DIP = 0.5
# Numeric columns with fewer distinct values are judged as atoms, not shapes.
MIN_DISTINCT_FOR_SHAPE = 20
_SAMPLE_ROWS = 20_000
_KDE_ROWS = 2_000
_KDE_GRID = 512


def choose_method(
    data: pd.DataFrame,
    metadata: TableMetadata,
    gpu_available: bool = False,
    *,
    fallback: bool = True,
) -> tuple[str, list[str]]:
    """Pick a method for ``data`` and say why.

    Args:
        data: The table to be fitted.
        metadata: Its column types.
        gpu_available: Whether a GPU can train the neural methods.
        fallback: Fall back to the copula, with a warning, when no installed
            backend provides the chosen method. False gives the chart's choice
            whatever is installed.

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

    if (
        fallback
        and method != "gaussian_copula"
        and not get_registry().generators.backends_for(method)
    ):
        message = (
            f"method='auto' chose {method!r} ({reasons[-1]}), but no installed backend "
            "provides it; falling back to 'gaussian_copula'. Install "
            '"genesis-synth-torch" or "genesis-synth-jax" to use it.'
        )
        warnings.warn(message, stacklevel=caller_stacklevel())
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
            # Text of numbers ("$1,234.50") is read in its layout.
            values = as_numbers(column.name, series, column.number_format)
            values = values[np.isfinite(values)]
            if np.unique(values).size < MIN_DISTINCT_FOR_SHAPE:
                # A handful of values (a year, a count) is a set of atoms the
                # copula keeps exactly, not a shape to judge.
                continue
            # Shapes are judged on the values scaled to [0, 1]: the squares
            # and cubes of numbers near 1e-200 underflow to 0, which made the
            # skewness undefined and the kernel density's covariance singular.
            low, span = float(values.min()), float(np.ptp(values))
            scaled = (values - low) / span
            skew = float(stats.skew(scaled))
            if abs(skew) > HEAVY_SKEW:
                found.append(f"{column.name!r} is heavily skewed (skewness {skew:.1f})")
                continue
            modes = [low + span * mode for mode in _separated_modes(scaled)]
            if len(modes) >= 2:
                shown = ", ".join(f"{m:.4g}" for m in modes)
                found.append(f"{column.name!r} has {len(modes)} modes (near {shown})")
    return found


def _separated_modes(values: np.ndarray) -> list[float]:
    """Peaks of the density that stand out: each at least MODE_HEIGHT of the
    highest, with a dip to under MODE_DIP of the lower peak between them."""
    rng = np.random.default_rng(0)
    if values.size > _KDE_ROWS:
        values = rng.choice(values, _KDE_ROWS, replace=False)
    grid = np.linspace(values.min(), values.max(), _KDE_GRID)
    density = stats.gaussian_kde(values)(grid)
    inner = density[1:-1]
    is_peak = (inner > density[:-2]) & (inner >= density[2:])
    peaks = [
        i + 1
        for i in np.flatnonzero(is_peak)
        if density[i + 1] >= MODE_HEIGHT * density.max()
    ]
    kept = peaks[:1]
    for peak in peaks[1:]:
        valley = density[kept[-1] : peak + 1].min()
        if valley < MODE_DIP * min(density[kept[-1]], density[peak]):
            kept.append(peak)
        elif density[peak] > density[kept[-1]]:
            kept[-1] = peak
    return [float(grid[i]) for i in kept]
