"""Value arithmetic shared by the rules: present values as numpy numbers
or datetime64 in one unit, back in a column's dtype, and the bounds a
condition allows."""

from __future__ import annotations

import numbers
from collections.abc import Hashable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from genesis.data._conditions import ValueRange, plain_value
from genesis.errors import InvalidDataError
from genesis.metadata import TableMetadata

if TYPE_CHECKING:
    from genesis.constraints._base import Constraint


def _value_kind(
    constraint: Constraint, series: pd.Series, metadata: TableMetadata, column: Hashable
) -> str:
    """``"number"`` or ``"datetime"``; anything else is refused.

    Raises:
        InvalidDataError: Names the column, its dtype and how to declare
            dates that Genesis did not recognise.
    """
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return "datetime"
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(
        series.dtype
    ):
        return "number"
    # Columns Genesis reads as times are datetime64 here (see _read_times).
    column_type = metadata[column].column_type.value
    raise InvalidDataError(
        f"{constraint!r}: column {column!r} has dtype {series.dtype} and is "
        f"modelled as {column_type}, but the constraint compares numbers or "
        "dates. If it holds dates Genesis did not recognise, declare them with "
        f"metadata.update_column({column!r}, 'datetime', datetime_format=...), "
        f"or on the command line genesis fit --datetime {column}=FORMAT."
    )


def _present(series: pd.Series) -> pd.Series:
    return series.notna()


def _values(series: pd.Series) -> np.ndarray:
    """Present values as numpy numbers or datetime64, for arithmetic.

    Times keep their column's unit: a "no end" date of 9999-12-31 fits in
    seconds but not in nanoseconds (SDV issue 1221 overflowed there).
    """
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        if getattr(series.dtype, "tz", None) is not None:
            series = series.dt.tz_convert("UTC").dt.tz_localize(None)
        return np.asarray(series.to_numpy())
    if pd.api.types.is_integer_dtype(series.dtype):
        return series.to_numpy(dtype=np.int64)
    return series.to_numpy(dtype=np.float64)


def _as_dtype(values: np.ndarray, dtype: Any, index: pd.Index) -> pd.Series:
    """Values computed by :func:`_values` in a column of ``dtype``."""
    series = pd.Series(values, index=index)
    if pd.api.types.is_datetime64_any_dtype(dtype):
        zone = getattr(dtype, "tz", None)
        if zone is not None:
            series = series.dt.tz_localize("UTC").dt.tz_convert(zone)
    return series.astype(dtype)


# A numpy scalar as the Python or pandas value a model file stores.
_scalar = plain_value


def _numpy_scalar(value: Any) -> Any:
    """Invert :func:`_scalar` for the terms of :func:`_values`, in the
    value's own unit."""
    if isinstance(value, pd.Timestamp):
        return value.to_datetime64()
    if isinstance(value, pd.Timedelta):
        return value.to_timedelta64()
    return value


def _comparable(bound: Any) -> Any:
    """A bound in the terms of :func:`_values`."""
    if isinstance(bound, pd.Timestamp):
        if bound.tz is not None:
            bound = bound.tz_convert("UTC").tz_localize(None)
        return bound.to_datetime64()
    return bound


def _one_unit(first: Any, second: Any) -> tuple[np.ndarray, np.ndarray]:
    """Two arrays of times or time gaps in one unit, so numpy's own
    conversion to the finer unit cannot overflow: the finer of their units
    where every value fits in it, else the coarser."""
    first, second = np.asarray(first), np.asarray(second)
    timed = first.dtype.kind in "mM" and second.dtype.kind in "mM"
    if not timed or first.dtype == second.dtype:
        return first, second
    finer = np.promote_types(first.dtype, second.dtype)
    coarse = second if first.dtype == finer else first
    # astype wraps silently on overflow; a value that does not come back
    # unchanged did not fit.
    if np.array_equal(coarse.astype(finer).astype(coarse.dtype), coarse):
        return first.astype(finer), second.astype(finer)
    return first.astype(coarse.dtype), second.astype(coarse.dtype)


def _condition_bounds(wanted: Any) -> tuple[Any, Any] | None:
    """The smallest and largest value a checked condition allows."""
    if wanted is None:
        return None
    if isinstance(wanted, ValueRange):
        return wanted.low, wanted.high
    if isinstance(wanted, numbers.Real | pd.Timestamp) and not isinstance(wanted, bool):
        return wanted, wanted
    return None
