"""Inequality: ``low <= high`` in every row, modelled as the gap between
the two columns."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from genesis._values import decode_value, encode_value
from genesis.constraints._base import Constraint, _check_name
from genesis.constraints._stored_times import _times_from_state, _times_to_state
from genesis.constraints._values import (
    _as_dtype,
    _condition_bounds,
    _numpy_scalar,
    _one_unit,
    _present,
    _scalar,
    _value_kind,
    _values,
)
from genesis.data._conditions import shown_condition
from genesis.errors import InvalidConfigError, InvalidDataError
from genesis.metadata import ColumnType, TableMetadata

_NUMERIC_TYPES = frozenset({ColumnType.CONTINUOUS, ColumnType.INTEGER})


class Inequality(Constraint):
    """``low <= high`` (``low < high`` when ``strict``) in every row.

    Both columns hold numbers, or both hold datetimes: datetime64 columns,
    or columns Genesis reads as dates (text such as ``"2024-03-20"``,
    Python ``date`` or ``datetime`` objects), compared as the instants they
    stand for. A row where either is missing is not checked.

    Args:
        low: The column that is never larger.
        high: The column that is never smaller.
        strict: Refuse equal values too.
    """

    kind = "inequality"

    def __init__(self, low: Hashable, high: Hashable, *, strict: bool = False):
        _check_name(low, "Inequality", "low")
        _check_name(high, "Inequality", "high")
        if low == high:
            raise InvalidConfigError(
                f"Inequality compares two columns, but low and high both name "
                f"{low!r}; name two different columns."
            )
        if not isinstance(strict, bool):
            raise InvalidConfigError(
                f"Inequality's strict must be True or False, got {strict!r}."
            )
        self.low = low
        self.high = high
        self.strict = strict
        # Learnt by fit: the column the model sees as the gap (``"high"``,
        # ``"low"`` or None to keep the rule by rejection alone), the value
        # the gap is shifted by, the smallest gap seen, the bound the
        # rebuilt column never passes (the largest ``high`` or the smallest
        # ``low`` seen), and the rebuilt column's decimals and integrality.
        self._target: str | None = None
        self._reference: Any = None
        self._min_gap: Any = None
        self._limit: Any = None
        self._decimals: int | None = None
        self._whole = False

    def __repr__(self) -> str:
        strict = ", strict=True" if self.strict else ""
        return f"Inequality({self.low!r}, {self.high!r}{strict})"

    @property
    def columns(self) -> tuple[Hashable, ...]:
        return (self.low, self.high)

    def _learn(self, data: pd.DataFrame, metadata: TableMetadata) -> None:
        kinds = [_value_kind(self, data[c], metadata, c) for c in self.columns]
        if kinds[0] != kinds[1]:
            raise InvalidDataError(
                f"{self!r} compares {self.low!r}, which holds {kinds[0]}s, with "
                f"{self.high!r}, which holds {kinds[1]}s; both must hold numbers "
                "or both datetimes."
            )
        if kinds[0] == "datetime":
            zones = [data[c].dt.tz is not None for c in self.columns]
            if zones[0] != zones[1]:
                raise InvalidDataError(
                    f"{self!r} compares times with and without a time zone; give "
                    f"{self.low!r} and {self.high!r} both a zone or neither."
                )
        self._target = _gap_column(
            metadata[self.low].column_type, metadata[self.high].column_type
        )
        both = _present(data[self.low]) & _present(data[self.high])
        if self._target is None or not self._can_rebuild(data) or not both.any():
            self._target = None
            return
        target = self.high if self._target == "high" else self.low
        self._decimals = metadata[target].decimals
        self._whole = metadata[target].column_type == ColumnType.INTEGER
        low, high = _one_unit(
            _values(data[self.low][both]), _values(data[self.high][both])
        )
        self._min_gap = (high - low).min()
        seen = _values(data[target][_present(data[target])])
        if self._target == "high":
            self._reference, self._limit = low.min(), seen.max()
        else:
            self._reference, self._limit = high.max(), seen.min()

    def _can_rebuild(self, data: pd.DataFrame) -> bool:
        """Whether times kept as text, whole numbers or objects can be
        rebuilt in the user's form: they need no time zone or UTC offset,
        and the real values must all read in the one layout."""
        for column, times in self._times.items():
            zone = getattr(data[column].dtype, "tz", None)
            if zone is not None or times.time_offsets is not None or not times.exact:
                return False
        return True

    def _learn_view(self, data: pd.DataFrame) -> None:
        target = self.transformed_column
        if target is None:
            return
        view = data[[target]].copy()
        self._transform(data, view)
        # A gap that never varies would show the model one value for the
        # column, and conditions on it are checked against what the model
        # saw: ``mid = 2`` was refused as never seen where ``mid = low + 1``
        # (SDV issue 866). The rule is then kept by rejection, as it is
        # where the data plane would read the view's times in another
        # layout than the real ones, since conditions read them in it.
        if view[target].nunique() <= 1 < data[target].nunique():
            self._target = None
        elif target in self._times and not self._times[target].reads_alike(
            view[target]
        ):
            self._target = None

    def _breach_text(self) -> str:
        sign = ">=" if self.strict else ">"
        return f"have {self.low!r} {sign} {self.high!r}"

    @property
    def transformed_column(self) -> Hashable | None:
        if self._target is None:
            return None
        return self.high if self._target == "high" else self.low

    @property
    def _kept_column(self) -> Hashable:
        return self.low if self._target == "high" else self.high

    def _transform(self, source: pd.DataFrame, out: pd.DataFrame) -> None:
        target = self.transformed_column
        low = self._comparable(source, self.low)
        high = self._comparable(source, self.high)
        both = _present(low) & _present(high)
        lows, highs = _one_unit(_values(low[both]), _values(high[both]))
        gap = highs - lows
        # The gap is stored shifted by the smallest ``low`` (or down from the
        # largest ``high``) to stay in the column's range and dtype; rows
        # missing the other column keep their own value on that same scale.
        if self._target == "high":
            shifted_values = self._reference + gap
        else:
            shifted_values = self._reference - gap
        shifted = source[target].copy()
        shifted[both] = self._in_column_form(target, shifted_values, shifted[both])
        out[target] = shifted

    def _in_column_form(
        self, column: Hashable, values: np.ndarray, like: pd.Series
    ) -> Any:
        """Values computed by :func:`_values` in the form of ``like``, the
        column's own values: its dtype, or its layout or Python type for
        times kept as text, whole numbers or objects."""
        times = getattr(self, "_times", {}).get(column)
        if times is None:
            return _as_dtype(values, like.dtype, like.index)
        return times.write(values, like.dtype)

    def _inverse_transform(
        self,
        frame: pd.DataFrame,
        rng: np.random.Generator,
        fixed: Iterable[Hashable] = (),
    ) -> None:
        target = self.transformed_column
        if target is None:
            return
        kept = self._comparable(frame, self._kept_column)
        shifted = self._comparable(frame, target)
        both = _present(kept) & _present(shifted)
        if not both.any():
            return
        anchors = _values(kept[both])
        # The rebuilt column stays within its seen range where that leaves
        # the smallest gap seen, which keeps integers and times inside their
        # dtype; the rule comes first.
        if self._target == "high":
            gap = np.maximum(_values(shifted[both]) - self._reference, self._min_gap)
            values = np.minimum(anchors + gap, self._limit)
            values = np.maximum(values, anchors + self._min_gap)
        else:
            gap = np.maximum(self._reference - _values(shifted[both]), self._min_gap)
            values = np.maximum(anchors - gap, self._limit)
            values = np.minimum(values, anchors - self._min_gap)
        if self._decimals is not None and not self._whole:
            values = _round_away(
                values, anchors, self._decimals, self.strict, up=self._target == "high"
            )
        restored = frame[target].copy()
        restored[both] = self._in_column_form(target, values, restored[both])
        frame[target] = restored

    def _broken(self, frame: pd.DataFrame) -> np.ndarray:
        low = self._comparable(frame, self.low)
        high = self._comparable(frame, self.high)
        both = (_present(low) & _present(high)).to_numpy()
        broken = np.zeros(len(frame), dtype=bool)
        lows, highs = _one_unit(_values(low[both]), _values(high[both]))
        if np.float32 in (low.dtype, high.dtype):
            # 2.67 in float32 is 2.6700000762939453: compare at the coarser
            # precision, which is all the data holds.
            lows, highs = lows.astype(np.float32), highs.astype(np.float32)
        broken[both] = lows >= highs if self.strict else lows > highs
        return broken

    def _check_conditions(self, conditions: Mapping[Hashable, Any]) -> None:
        low = _condition_bounds(conditions.get(self.low, None))
        high = _condition_bounds(conditions.get(self.high, None))
        if low is None or high is None:
            return
        smallest_low, largest_high = low[0], high[1]
        if smallest_low > largest_high or (
            self.strict and smallest_low == largest_high
        ):
            low_shown = shown_condition(conditions[self.low])
            high_shown = shown_condition(conditions[self.high])
            raise InvalidDataError(
                f"The conditions {self.low!r} = {low_shown!r} and "
                f"{self.high!r} = {high_shown!r} contradict "
                f"{self!r}: no row meets both. Change the conditions or drop the "
                "constraint."
            )

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "low": encode_value(self.low),
            "high": encode_value(self.high),
            "strict": self.strict,
            "target": self._target,
            "reference": encode_value(_scalar(self._reference)),
            "min_gap": encode_value(_scalar(self._min_gap)),
            "limit": encode_value(_scalar(self._limit)),
            "decimals": self._decimals,
            "whole": self._whole,
            "times": _times_to_state(self),
        }

    @classmethod
    def _from_dict(cls, data: Mapping[str, Any]) -> Inequality:
        made = cls(
            decode_value(data["low"]), decode_value(data["high"]), strict=data["strict"]
        )
        made._target = data["target"]
        made._reference = _numpy_scalar(decode_value(data["reference"]))
        made._min_gap = _numpy_scalar(decode_value(data["min_gap"]))
        made._limit = _numpy_scalar(decode_value(data["limit"]))
        made._decimals = data["decimals"]
        made._whole = data["whole"]
        made._times = _times_from_state(data)
        return made


def _gap_column(low: ColumnType, high: ColumnType) -> str | None:
    """Which column of an inequality can hold the gap in its own dtype."""
    if low == high == ColumnType.DATETIME:
        return "high"
    if low not in _NUMERIC_TYPES or high not in _NUMERIC_TYPES:
        return None
    if high == ColumnType.CONTINUOUS or low == high:
        return "high"
    # Whole numbers above fractional ones: the fractional column holds it.
    return "low"


def _round_away(
    values: np.ndarray, anchors: np.ndarray, decimals: int, strict: bool, *, up: bool
) -> np.ndarray:
    """``values`` rounded to ``decimals``, moved a step away from ``anchors``
    (up for a ``high`` column, down for a ``low``) where rounding crossed
    them."""
    step = 10.0**-decimals if up else -(10.0**-decimals)
    rounded = np.round(values, decimals)
    if up:
        wrong = rounded <= anchors if strict else rounded < anchors
    else:
        wrong = rounded >= anchors if strict else rounded > anchors
    rounded[wrong] = np.round(rounded[wrong] + step, decimals)
    return rounded
