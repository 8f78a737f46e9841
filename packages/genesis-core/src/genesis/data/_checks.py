"""Checks on user input, run before any fitting starts."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence

import numpy as np
import pandas as pd

from genesis.errors import InvalidDataError
from genesis.metadata import check_column_values, check_finite

# Rows are numbered in int64; more cannot be generated.
_MAX_ROWS = int(np.iinfo(np.int64).max)

__all__ = ["check_generate_count", "check_training_frame"]


def check_training_frame(
    data: object, discrete_columns: Sequence[Hashable] | None = ()
) -> list[Hashable]:
    """Refuse a frame that cannot be fitted, naming the column and the fix.

    Args:
        data: The real table.
        discrete_columns: Columns to model as categories; one name alone
            stands for a list of it, and None names none.

    Returns:
        The list of discrete columns, validated.

    Raises:
        InvalidDataError: The frame is not a DataFrame, is empty, has
            duplicate column names, infinite values, values Genesis cannot
            model (lists and other unhashable values, numbers too large to
            square), or ``discrete_columns`` is not a list of its columns.
    """
    if not isinstance(data, pd.DataFrame):
        raise InvalidDataError(
            f"fit expects a pandas DataFrame, got {type(data).__name__}; wrap your "
            "data with pandas.DataFrame(...) first."
        )
    if data.shape[1] == 0:
        raise InvalidDataError("The data has no columns; there is nothing to learn.")
    if len(data) == 0:
        raise InvalidDataError(
            f"The data has no rows (columns {list(data.columns)[:10]!r}); fit needs "
            "at least one row."
        )
    duplicated = data.columns[data.columns.duplicated()].unique().tolist()
    if duplicated:
        raise InvalidDataError(
            f"The data has duplicate column names {duplicated!r}; give each column a "
            "unique name."
        )
    discrete = _discrete_list(discrete_columns)
    unknown = [c for c in discrete if c not in data.columns]
    if unknown:
        raise InvalidDataError(
            f"discrete_columns lists {unknown!r}, which the data does not have. Its "
            f"columns are {list(data.columns)!r}; correct the names or remove them "
            "from discrete_columns."
        )
    for name in data.columns:
        check_finite(name, data[name])
        check_column_values(name, data[name], name in discrete)
    return discrete


def _discrete_list(discrete_columns: object) -> list[Hashable]:
    """``discrete_columns`` as a list of labels, refusing what is not one."""
    if discrete_columns is None:
        return []
    if isinstance(discrete_columns, (str, bytes)):
        return [discrete_columns]
    if not isinstance(discrete_columns, Iterable):
        raise InvalidDataError(
            "discrete_columns must be a list of column names, got "
            f"{type(discrete_columns).__name__} {discrete_columns!r}; pass for "
            "example ['city'], or leave it out to name none."
        )
    discrete = list(discrete_columns)
    unhashable = [c for c in discrete if not isinstance(c, Hashable)]
    if unhashable:
        raise InvalidDataError(
            f"discrete_columns holds {unhashable[:3]!r}, which are not column "
            "names; list the names of the columns themselves."
        )
    return discrete


def check_generate_count(n: object) -> int:
    """Return ``n`` as an int, refusing negatives and non-integers."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise InvalidDataError(
            f"The number of rows must be an integer, got {n!r} ({type(n).__name__})."
        )
    if n < 0:
        raise InvalidDataError(f"The number of rows must be zero or more, got {n}.")
    if n > _MAX_ROWS:
        raise InvalidDataError(
            f"The number of rows must be at most {_MAX_ROWS:,} (the most rows "
            f"pandas can number), got {n:,}."
        )
    return int(n)
