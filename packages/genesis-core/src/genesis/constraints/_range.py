"""Range: the values of one column lie within bounds."""

from __future__ import annotations

import math
import numbers
from collections.abc import Hashable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from genesis._values import decode_value, encode_value
from genesis.constraints._base import Constraint, _check_name
from genesis.constraints._stored_times import _times_from_state, _times_to_state
from genesis.constraints._values import (
    _comparable,
    _condition_bounds,
    _one_unit,
    _present,
    _scalar,
    _value_kind,
    _values,
)
from genesis.data._conditions import (
    layout_bound,
    refuse_two_readings,
    shown_condition,
    two_readings,
)
from genesis.errors import InvalidConfigError, InvalidDataError
from genesis.metadata import TableMetadata


class Range(Constraint):
    """Values of ``column`` lie within ``[low, high]`` (both ends included).

    Give either bound or both: numbers for a numeric column, dates or times
    for a datetime column, whether datetime64 or dates Genesis reads from
    text or Python objects (a time without a zone is read in the column's
    zone). Missing values are not checked.

    Args:
        column: The column.
        low: The smallest value allowed, or None for no lower bound.
        high: The largest value allowed, or None for no upper bound.
    """

    kind = "range"

    def __init__(self, column: Hashable, low: Any = None, high: Any = None) -> None:
        _check_name(column, "Range", "column")
        if low is None and high is None:
            raise InvalidConfigError(
                f"Range({column!r}) needs a low or a high bound, or both; it has "
                "neither."
            )
        for name, bound in (("low", low), ("high", high)):
            if bound is not None and not _is_bound(bound):
                # Text that is no date is most likely another column's name.
                between = (
                    f" A date is written like '2024-01-31'. If {bound!r} is "
                    f"another column, keep {column!r} at or above it with "
                    f"Inequality({bound!r}, {column!r}), at or below it with "
                    f"Inequality({column!r}, {bound!r})."
                    if isinstance(bound, str)
                    else ""
                )
                raise InvalidConfigError(
                    f"Range({column!r}) {name} must be a number or a date or time, "
                    f"got {bound!r}.{between}"
                )
        # Text such as "05/02/2024" is read when the column's layout is
        # known (in fit); its order is checked then.
        if (
            low is not None
            and high is not None
            and not (two_readings(low) or two_readings(high))
        ):
            try:
                reversed_bounds = _timestamp_or_number(low) > _timestamp_or_number(high)
            except TypeError as exc:
                raise InvalidConfigError(
                    f"Range({column!r}) bounds {low!r} and {high!r} cannot be "
                    "compared; give two numbers or two dates."
                ) from exc
            if reversed_bounds:
                raise InvalidConfigError(
                    f"Range({column!r}) has low {low!r} above high {high!r}; swap them."
                )
        self.column = column
        self.low = low
        self.high = high
        # The bounds in the column's terms, set by fit.
        self._low: Any = None
        self._high: Any = None

    def __repr__(self) -> str:
        return f"Range({self.column!r}, low={self.low!r}, high={self.high!r})"

    @property
    def columns(self) -> tuple[Hashable, ...]:
        return (self.column,)

    def _learn(self, data: pd.DataFrame, metadata: TableMetadata) -> None:
        series = data[self.column]
        kind = _value_kind(self, series, metadata, self.column)
        zone = series.dt.tz if kind == "datetime" else None
        self._low, self._high = (
            None if bound is None else self._in_column_terms(bound, kind, zone)
            for bound in (self.low, self.high)
        )
        # Text bounds read in the column's layout can order otherwise than
        # __init__ read them ("05/03/2024" is 5 March in a day-first column).
        if self._low is not None and self._high is not None and self._low > self._high:
            raise InvalidDataError(
                f"{self!r}: read as column {self.column!r} writes its dates, low "
                f"{self.low!r} is {self._low} and high {self.high!r} is "
                f"{self._high}, which is earlier; swap them."
            )

    def _in_column_terms(self, bound: Any, kind: str, zone: Any) -> Any:
        is_number = isinstance(bound, numbers.Real)
        if kind == "number":
            if not is_number:
                raise InvalidDataError(
                    f"{self!r}: column {self.column!r} holds numbers, so its bounds "
                    f"must be numbers, not {bound!r}."
                )
            return bound
        if is_number:
            raise InvalidDataError(
                f"{self!r}: column {self.column!r} holds datetimes, so its bounds "
                f"must be dates or times, not {bound!r}."
            )
        # A bound written like the column's own text is read in its layout:
        # "05/02/2024" in a day-first column is 5 February, not 2 May.
        stored = getattr(self, "_times", {}).get(self.column)
        stamp = None if stored is None else layout_bound(stored, bound)
        if stamp is None:
            refuse_two_readings(bound, f"{self!r} on column {self.column!r}")
            stamp = pd.Timestamp(bound)
        if zone is None and stamp.tz is not None:
            raise InvalidDataError(
                f"{self!r}: column {self.column!r} holds times without a time zone, "
                f"but the bound {bound!r} has one; give it without a zone."
            )
        if zone is not None:
            stamp = stamp.tz_convert(zone) if stamp.tz else stamp.tz_localize(zone)
        return stamp

    def _breach_text(self) -> str:
        return f"have {self.column!r} outside [{self.low!r}, {self.high!r}]"

    def _broken(self, frame: pd.DataFrame) -> np.ndarray:
        series = self._comparable(frame, self.column)
        present = _present(series).to_numpy()
        values = _values(series[present])
        broken = np.zeros(len(frame), dtype=bool)
        outside = np.zeros(len(values), dtype=bool)
        if self._low is not None:
            shared, low = _one_unit(values, _comparable(self._low))
            outside |= shared < low
        if self._high is not None:
            shared, high = _one_unit(values, _comparable(self._high))
            outside |= shared > high
        broken[present] = outside
        return broken

    def _check_conditions(self, conditions: Mapping[Hashable, Any]) -> None:
        bounds = _condition_bounds(conditions.get(self.column, None))
        if bounds is None:
            return
        if (self._low is not None and bounds[1] < self._low) or (
            self._high is not None and bounds[0] > self._high
        ):
            shown = shown_condition(conditions[self.column])
            raise InvalidDataError(
                f"The condition {self.column!r} = {shown!r} lies outside "
                f"{self!r}, so no row can meet it. Change the condition or drop "
                "the constraint."
            )

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "column": encode_value(self.column),
            "low": encode_value(_scalar(self.low)),
            "high": encode_value(_scalar(self.high)),
            "column_low": encode_value(_scalar(self._low)),
            "column_high": encode_value(_scalar(self._high)),
            "times": _times_to_state(self),
        }

    @classmethod
    def _from_dict(cls, data: Mapping[str, Any]) -> Range:
        made = cls(
            decode_value(data["column"]),
            low=decode_value(data["low"]),
            high=decode_value(data["high"]),
        )
        made._low = decode_value(data["column_low"])
        made._high = decode_value(data["column_high"])
        made._times = _times_from_state(data)
        return made


def _is_bound(bound: Any) -> bool:
    if isinstance(bound, bool | np.bool_):
        return False
    if isinstance(bound, numbers.Real):
        return not math.isnan(bound)
    try:
        return pd.Timestamp(bound) is not pd.NaT
    except (TypeError, ValueError):
        return False


def _timestamp_or_number(bound: Any) -> Any:
    return bound if isinstance(bound, numbers.Real) else pd.Timestamp(bound)
