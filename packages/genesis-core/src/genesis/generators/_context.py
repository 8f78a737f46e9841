"""Context columns of a long frame: one value per entity, carried by TimeGAN.

A customer's segment, a sensor's site or a patient's birth date does not
change from step to step. :func:`check_context_columns` checks that each
named column holds one value per entity; :func:`fit_context_columns` learns
how to encode each as features constant over a window; :class:`ContextColumn`
encodes the training rows and reads one value per generated sequence back.

Three kinds of column:

* numbers: one feature (integers and floats);
* times: datetimes (zone-aware too) and durations, one feature counting
  the column's own unit from the earliest value seen;
* categories: a one-hot block over the values seen in training. Text,
  booleans and pandas categoricals are categories; so are numbers named in
  ``discrete_columns`` (a segment stored as the codes 1 to 5).

A column with missing values gets a 0/1 flag (numbers, times) or a slot
(categories) for "missing" beside its value.
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from genesis._callers import caller_stacklevel
from genesis.data._conditions import plain_value
from genesis.data._prepare import _NS_STEPS
from genesis.errors import InvalidDataError
from genesis.metadata import decimals_of

CONTEXT_NUMERIC = "numeric"
CONTEXT_CATEGORICAL = "categorical"
CONTEXT_TIME = "time"
# A categorical context column with more seen values than this widens the
# networks' input by as many features; fit warns.
MAX_CONTEXT_CATEGORIES = 50
# Values of a varying context column an error shows.
MAX_VALUES_SHOWN = 5
# Python types a categorical context value may have: they go into the model
# file's JSON as they are.
_JSON_SCALARS = (str, bool, int, float)


def restore_dtype(values: np.ndarray, dtype_name: str) -> pd.Series:
    """Floats as a Series of ``dtype_name``: integers rounded, booleans at 0.5."""
    dtype = pd.api.types.pandas_dtype(dtype_name)
    if pd.api.types.is_bool_dtype(dtype):
        return pd.Series(values >= 0.5).astype(dtype)
    if pd.api.types.is_integer_dtype(dtype):
        return pd.Series(np.rint(values)).astype(dtype)
    return pd.Series(values).astype(dtype)


def float_decimals(series: pd.Series) -> int | None:
    """The decimals every value of a float column has; None for
    other dtypes and for values with more, as the tabular data plane
    decides."""
    if not pd.api.types.is_float_dtype(series.dtype):
        return None
    return decimals_of(series)


def _is_time(dtype: Any) -> bool:
    return pd.api.types.is_datetime64_any_dtype(
        dtype
    ) or pd.api.types.is_timedelta64_dtype(dtype)


def _is_numeric(dtype: Any) -> bool:
    """Numbers, booleans aside: booleans are categories."""
    return (
        not isinstance(dtype, pd.CategoricalDtype)
        and pd.api.types.is_numeric_dtype(dtype)
        and not pd.api.types.is_bool_dtype(dtype)
    )


def _time_counts(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Times as int64 counts of the column's unit (UTC for zone-aware), and NaT."""
    if getattr(series.dtype, "tz", None) is not None:
        series = series.dt.tz_convert("UTC").dt.tz_localize(None)
    stamps = series.to_numpy()
    missing = np.isnat(stamps)
    return stamps.astype(np.int64), missing


def _time_step(dtype: Any, offsets: np.ndarray) -> int:
    """The coarsest of a day, an hour, ... down to ``dtype``'s unit that every
    offset (counts of that unit from the earliest time) is a whole number of."""
    unit = dtype.unit if hasattr(dtype, "unit") else np.datetime_data(dtype)[0]
    tick = int(np.timedelta64(1, unit) // np.timedelta64(1, "ns"))
    for step in (ns // tick for ns in _NS_STEPS if ns % tick == 0):
        if not np.any(offsets % step):
            return int(step)
    return 1


def _sorted_if_possible(values: list[Any]) -> list[Any]:
    try:
        return sorted(values)
    except TypeError:
        # Mixed types (text and numbers) have no order; keep first-seen order.
        return values


@dataclass
class ContextColumn:
    """A column that holds one value per entity, carried through TimeGAN.

    Numbers ride along as one feature constant over each window; times as
    the count of their unit since the earliest time seen (``origin``). Both
    get a 0/1 missing-value flag beside them when the column has missing
    values (the value itself is then filled with the median). Categories
    ride along as a one-hot block over the values seen in training, with a
    slot for "missing" when there are missing values. The networks thus
    learn them jointly with the time-varying features; each generated
    sequence is read back to one value (:meth:`decode`).
    """

    name: Any
    kind: str
    dtype: str
    minimum: float | None = None
    maximum: float | None = None
    fill: float = 0.0
    has_missing: bool = False
    categories: list[Any] | None = None
    dtype_categories: list[Any] | None = None
    ordered: bool = False
    # Times: the earliest and latest value seen, as counts of the unit, and
    # the coarsest step (a day down to the unit) every value is whole in.
    origin: int | None = None
    end: int | None = None
    step: int = 1
    # Float numbers: the decimals every value has, to round output alike.
    decimals: int | None = None

    @classmethod
    def fit(cls, name: Hashable, series: pd.Series, discrete: bool) -> ContextColumn:
        dtype = series.dtype
        has_missing = bool(series.isna().any())
        if _is_time(dtype):
            return cls._fit_times(name, series, has_missing)
        if _is_numeric(dtype) and not discrete:
            numbers = series.to_numpy(dtype=np.float64, na_value=np.nan)
            present = numbers[~np.isnan(numbers)]
            if not np.isfinite(present).all():
                raise InvalidDataError(
                    f"The context column {name!r} has infinite values; replace "
                    "them with numbers or missing values."
                )
            return cls(
                name=name,
                kind=CONTEXT_NUMERIC,
                dtype=str(dtype),
                minimum=float(present.min()) if len(present) else None,
                maximum=float(present.max()) if len(present) else None,
                fill=float(np.median(present)) if len(present) else 0.0,
                has_missing=has_missing,
                decimals=float_decimals(series),
            )
        seen = [plain_value(v) for v in pd.unique(series.dropna())]
        # A categorical dtype's unused categories are kept too, to restore it.
        listed = getattr(dtype, "categories", [])
        if odd := [
            v for v in [*seen, *listed] if not isinstance(plain_value(v), _JSON_SCALARS)
        ]:
            raise InvalidDataError(
                f"The context column {name!r} holds values of type "
                f"{type(odd[0]).__name__} (for example {odd[0]!r}); a categorical "
                "context column takes text, numbers or booleans. Convert it, for "
                f"example with frame[{name!r}].astype(str)."
            )
        column = cls(
            name=name,
            kind=CONTEXT_CATEGORICAL,
            dtype=str(dtype),
            has_missing=has_missing,
        )
        if isinstance(dtype, pd.CategoricalDtype):
            column.dtype_categories = [plain_value(v) for v in dtype.categories]
            column.ordered = bool(dtype.ordered)
            used = set(seen)
            column.categories = [v for v in column.dtype_categories if v in used]
        else:
            column.categories = _sorted_if_possible(seen)
        return column

    @classmethod
    def _fit_times(
        cls, name: Hashable, series: pd.Series, has_missing: bool
    ) -> ContextColumn:
        counts, missing = _time_counts(series)
        present = counts[~missing]
        origin = int(present.min()) if len(present) else 0
        end = int(present.max()) if len(present) else 0
        # Offsets from the earliest time keep float64 exact for longer.
        whole = present - origin
        offsets = whole.astype(np.float64)
        return cls(
            name=name,
            kind=CONTEXT_TIME,
            dtype=str(series.dtype),
            minimum=0.0,
            maximum=float(end - origin),
            fill=float(np.median(offsets)) if len(offsets) else 0.0,
            has_missing=has_missing,
            origin=origin,
            end=end,
            step=_time_step(series.dtype, whole),
        )

    @property
    def width(self) -> int:
        """Columns this context column takes in the windows."""
        if self.kind == CONTEXT_CATEGORICAL:
            slots = len(self.categories or ())
        else:
            slots = 1
        return slots + int(self.has_missing)

    def encode(self, series: pd.Series) -> np.ndarray:
        """``(rows, width)`` floats for the rows of ``series``."""
        missing = series.isna().to_numpy()
        if self.kind == CONTEXT_NUMERIC:
            numbers = series.to_numpy(dtype=np.float64, na_value=np.nan)
            parts = [np.where(missing, self.fill, numbers)]
        elif self.kind == CONTEXT_TIME:
            assert self.origin is not None
            counts, _ = _time_counts(series)
            offsets = (counts - self.origin).astype(np.float64)
            parts = [np.where(missing, self.fill, offsets)]
        else:
            assert self.categories is not None
            codes = pd.Index(self.categories, dtype=object).get_indexer(
                series.astype(object)
            )
            parts = [
                (codes[:, np.newaxis] == np.arange(len(self.categories))).astype(
                    np.float64
                )
            ]
        if self.has_missing:
            parts.append(missing.astype(np.float64))
        return np.column_stack(parts)

    def decode(self, block: np.ndarray) -> pd.Series:
        """One value per generated sequence, from its ``(n, seq_len, width)`` block.

        Numbers: the mean over the sequence, clipped to the training range,
        rounded to the decimals of the training values, and rounded or
        thresholded as the dtype needs. Times: the same,
        rounded to the column's unit, in its dtype and time zone.
        Categories: the value whose slot has the highest mean. Missing where
        the missing-value flag (or slot) wins.
        """
        means = block.mean(axis=1)
        if self.kind == CONTEXT_CATEGORICAL:
            return self._decode_categories(means)
        missing = means[:, 1] >= 0.5 if self.has_missing else None
        if self.kind == CONTEXT_TIME:
            restored = self._decode_times(means[:, 0])
        else:
            low = self.minimum if self.minimum is not None else self.fill
            high = self.maximum if self.maximum is not None else self.fill
            numbers = np.clip(means[:, 0], low, high)
            if self.decimals is not None:
                numbers = np.round(numbers, self.decimals)
            restored = restore_dtype(numbers, self.dtype)
        return restored if missing is None else restored.mask(missing)

    def _decode_times(self, offsets: np.ndarray) -> pd.Series:
        assert self.origin is not None and self.end is not None
        span = self.end - self.origin
        # Dates of whole days come back as whole days, hours as hours.
        steps = np.rint(offsets / self.step).astype(np.int64) * self.step
        counts = np.clip(steps, 0, span) + self.origin
        dtype = pd.api.types.pandas_dtype(self.dtype)
        tz = getattr(dtype, "tz", None)
        if pd.api.types.is_timedelta64_dtype(dtype):
            return pd.Series(counts.astype(dtype))
        unit = dtype.unit if tz is not None else np.datetime_data(dtype)[0]
        stamps = pd.Series(counts.astype(f"datetime64[{unit}]"))
        if tz is not None:
            stamps = stamps.dt.tz_localize("UTC").dt.tz_convert(tz)
        return stamps

    def _decode_categories(self, means: np.ndarray) -> pd.Series:
        assert self.categories is not None
        picked = means.argmax(axis=1)
        values = [
            self.categories[i] if i < len(self.categories) else None for i in picked
        ]
        if self.dtype_categories is not None:
            dtype = pd.CategoricalDtype(self.dtype_categories, ordered=self.ordered)
            return pd.Series(values, dtype=object).astype(dtype)
        series = pd.Series(values, dtype=object)
        if self.dtype == "object":
            return series.where(series.notna(), np.nan)
        return series.astype(pd.api.types.pandas_dtype(self.dtype))

    def to_json(self) -> dict[str, Any]:
        document = dict(self.__dict__)
        # Left out when unset, so that releases that predate it still load.
        if document["decimals"] is None:
            del document["decimals"]
        return document

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ContextColumn:
        return cls(**data)


def _column_list(argument: str, value: Any) -> list[Hashable]:
    """``value`` as a list of column names, each named once."""
    if isinstance(value, str | bytes) or not isinstance(value, list | tuple | pd.Index):
        raise InvalidDataError(
            f"{argument} takes a list of column names; got {value!r}. Pass for "
            f"example {argument}=[{value!r}]."
        )
    names = list(value)
    if unnamed := [c for c in names if not isinstance(c, Hashable)]:
        raise InvalidDataError(
            f"{argument} lists {unnamed[0]!r}, which is not a column name; list "
            f"each column on its own, for example {argument}=[{'a'!r}, {'b'!r}]."
        )
    if repeated := sorted({repr(c) for c in names if names.count(c) > 1}):
        raise InvalidDataError(
            f"{argument} lists {', '.join(repeated)} more than once; name each "
            "column once."
        )
    return names


def check_context_columns(
    frame: pd.DataFrame,
    context_columns: Any,
    discrete_columns: Any,
    entity_column: Hashable | None,
    time_column: Hashable | None,
) -> tuple[list[Hashable], list[Hashable]]:
    """The context columns, each checked to hold one value per entity, and
    those of them named in ``discrete_columns``."""
    names = _column_list("context_columns", context_columns)
    if unknown := [c for c in names if c not in frame.columns]:
        raise InvalidDataError(
            f"context_columns lists {unknown!r}, which the data does not have. "
            f"Its columns are {list(frame.columns)!r}."
        )
    discrete = _column_list("discrete_columns", discrete_columns)
    if unknown := [c for c in discrete if c not in frame.columns]:
        raise InvalidDataError(
            f"discrete_columns lists {unknown!r}, which the data does not have. "
            f"Its columns are {list(frame.columns)!r}."
        )
    if outside := [c for c in discrete if c not in names]:
        raise InvalidDataError(
            f"discrete_columns lists {outside!r}, which context_columns does not; "
            "TimeGAN models time-varying features as numbers, so only context "
            "columns (one value per entity) can be discrete. Add the column to "
            "context_columns too, or leave it out of discrete_columns."
        )
    for name in names:
        if name in (entity_column, time_column):
            role = "entity_column" if name == entity_column else "time_column"
            raise InvalidDataError(
                f"{name!r} is the {role} and cannot also be a context column; "
                "remove it from context_columns."
            )
        dtype = frame[name].dtype
        if isinstance(dtype, pd.PeriodDtype | pd.IntervalDtype):
            raise InvalidDataError(
                f"The context column {name!r} has dtype {dtype}, which context "
                "columns do not take; convert it to datetimes (for example "
                f"frame[{name!r}].dt.start_time) or to text first."
            )
        if name in discrete and _is_time(dtype):
            raise InvalidDataError(
                f"discrete_columns lists {name!r}, which holds {dtype} values; "
                "times are learnt as points on a line, not as categories. Leave "
                f"it out of discrete_columns, or convert it to text first "
                f"(frame[{name!r}].astype(str))."
            )
        _check_one_value_per_entity(frame, name, entity_column)
    return names, discrete


def _check_one_value_per_entity(
    frame: pd.DataFrame, name: Hashable, entity_column: Hashable | None
) -> None:
    column = frame[name].astype(object)
    if entity_column is None:
        if column.nunique(dropna=False) > 1:
            raise InvalidDataError(
                f"The context column {name!r} takes "
                f"{column.nunique(dropna=False)} values, but without an "
                "entity_column the whole frame is one sequence and a context "
                "column holds one value per sequence. Name the entity_column, "
                "or leave the column out of context_columns."
            )
        return
    try:
        counts = column.groupby(frame[entity_column], sort=False).nunique(dropna=False)
    except TypeError as exc:
        raise InvalidDataError(
            f"The context column {name!r} holds values that cannot be compared "
            f"({exc}); a context column takes text, numbers or booleans."
        ) from exc
    varying = counts[counts > 1]
    if varying.empty:
        return
    example = varying.index[0]
    values = pd.unique(column[frame[entity_column] == example])
    shown = ", ".join(repr(plain_value(v)) for v in values[:MAX_VALUES_SHOWN])
    raise InvalidDataError(
        f"The context column {name!r} is not constant within {len(varying)} of "
        f"{len(counts)} entities (for example entity {plain_value(example)!r}, where "
        f"it takes {shown}); a context column holds one value per entity. "
        "Leave it out of context_columns to model it as a time-varying feature, "
        "or correct those rows."
    )


def fit_context_columns(
    frame: pd.DataFrame,
    names: list[Hashable],
    discrete: list[Hashable],
    entity_column: Hashable | None,
) -> list[ContextColumn]:
    """Learn each context column's encoding; refuse or warn about wide ones.

    A categorical column with more than :data:`MAX_CONTEXT_CATEGORIES` seen
    values is refused when every entity has a value of its own (an
    identifier: no value is shared, so there is nothing to learn between
    entities, and synthetic entities could only copy real ones' values);
    otherwise it is carried, with a warning, since each value is one more
    input feature.
    """
    columns = [ContextColumn.fit(c, frame[c], c in discrete) for c in names]
    firsts = (
        frame.drop_duplicates(entity_column)
        if entity_column is not None
        else frame.iloc[:1]
    )
    for column in columns:
        count = len(column.categories or ())
        if column.kind != CONTEXT_CATEGORICAL or count <= MAX_CONTEXT_CATEGORIES:
            continue
        held = firsts[column.name].dropna()
        if held.nunique() == len(held):
            raise InvalidDataError(
                f"The context column {column.name!r} has a value of its own for "
                f"each of its {len(held)} entities, like an identifier: no value "
                "is shared between entities, so there is nothing to learn from "
                "it, and a synthetic entity could only copy a real one's value. "
                "Leave it out of context_columns (drop it from the frame), or "
                "pass a coarser column derived from it (a region rather than an "
                "address)."
            )
        warnings.warn(
            f"The context column {column.name!r} has {count} distinct values; "
            f"each is one more input feature of the networks (more than "
            f"{MAX_CONTEXT_CATEGORIES} slows training and spreads few entities "
            "over each value). Group rare values into one (for example "
            "'other')"
            + (
                ", or leave it out of discrete_columns to learn it as a number"
                if column.name in discrete
                else ""
            )
            + ".",
            stacklevel=caller_stacklevel(),
        )
    return columns
