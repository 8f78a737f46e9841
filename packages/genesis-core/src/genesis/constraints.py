"""Rules every real row keeps, kept by every synthetic row too.

Pass constraints to the generator; they work with every method::

    from genesis import SyntheticGenerator
    from genesis.constraints import FixedCombinations, Inequality, Range

    generator = SyntheticGenerator(
        method="gaussian_copula",
        constraints=[
            Inequality("start_date", "end_date"),
            Range("age", low=18, high=99),
            FixedCombinations(["city", "state"]),
        ],
    )

``fit`` checks that the training data meets every constraint and refuses it,
naming the constraint, the columns and an example row, when it does not:
rows are never dropped or changed. A row where a constrained column is
missing is not checked and is generated with its missing values as they come.

How each rule is kept:

- :class:`Inequality` on two numeric or two datetime columns is modelled by
  a transform: the model learns one column and the gap ``high - low`` in
  place of the other (``high``, or ``low`` when only ``low`` holds
  fractions), and the gap is never below the smallest gap seen in training,
  so ``low <= high`` holds by construction.
- :class:`Range` holds because generated values never leave the range seen
  in training, which ``fit`` checked lies inside the bounds.
- :class:`FixedCombinations` repairs a generated row whose combination was
  never seen: the first column (or the one a condition fixes) is kept, and
  the others take a combination seen with it in training, drawn by its
  frequency.

Whatever slips through (an inequality on discrete columns, a column in two
constraints, a value rounded onto the wrong side) is removed by rejection
and made up with more rows, so every row returned meets every constraint.

Dates that Genesis reads from text (``"2024-03-20"``), whole numbers
declared as dates or Python ``date`` and ``datetime`` objects are compared
as the instants they stand for. An :class:`Inequality` on them is modelled
by the same transform, with the gap written in the column's own layout or
type; times with a zone or UTC offsets, and text in several layouts, are
kept by rejection instead. Either way they come back in the user's form.
"""

from __future__ import annotations

import copy
import math
import numbers
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from genesis._values import decode_value, encode_value
from genesis.data._conditions import ValueRange, shown_condition
from genesis.data._times import (
    read_restored_times,
    read_stored_times,
    to_python_times,
    write_layout,
)
from genesis.errors import InvalidConfigError, InvalidDataError, ModelFileError
from genesis.metadata import ColumnMetadata, ColumnType, TableMetadata

__all__ = ["Constraint", "FixedCombinations", "Inequality", "Range"]

_NUMERIC_TYPES = frozenset({ColumnType.CONTINUOUS, ColumnType.INTEGER})


class Constraint:
    """A rule on one or more columns that every generated row keeps.

    Subclasses are :class:`Inequality`, :class:`Range` and
    :class:`FixedCombinations`. A generator fits its own copy of each
    constraint, so one constraint object can serve several generators.
    """

    kind: ClassVar[str] = ""
    # Set by fit: how to read each of the columns that hold times as text,
    # whole numbers or Python objects.
    _times: dict[Hashable, _StoredTimes]

    @property
    def columns(self) -> tuple[Hashable, ...]:
        """The columns the constraint reads."""
        raise NotImplementedError

    # -- fit -------------------------------------------------------------

    def _fitted(self, data: pd.DataFrame, metadata: TableMetadata) -> Constraint:
        """A copy of this constraint that has learnt ``data``.

        Raises:
            InvalidDataError: A column is missing or of the wrong type, or
                some rows of ``data`` break the constraint.
        """
        for column in self.columns:
            if column not in data.columns:
                raise InvalidDataError(
                    f"{self!r} names column {column!r}, which the data does not "
                    f"have; its columns are {list(data.columns)!r}."
                )
            if metadata[column].column_type == ColumnType.IDENTIFIER:
                raise InvalidDataError(
                    f"{self!r} names column {column!r}, an identifier: Genesis "
                    "writes fresh values for it, so no rule can hold on it. "
                    "Remove it from the constraint."
                )
        fitted = copy.copy(self)
        times = fitted._read_times(data, metadata)
        fitted._learn(times, metadata)
        fitted._learn_view(data)
        broken = fitted._broken(times)
        if broken.any():
            fitted._refuse_rows(data, broken)
        return fitted

    def _read_times(self, data: pd.DataFrame, metadata: TableMetadata) -> pd.DataFrame:
        """``data`` with the constraint's datetime columns that Genesis reads
        from text, whole numbers or Python objects as datetime64 columns;
        records in ``_times`` how to read generated values of each.

        Raises:
            InvalidDataError: Some values of such a column are not times.
        """
        self._times = {}
        read = {}
        for column in self.columns:
            series = data[column]
            is_time = metadata[column].column_type == ColumnType.DATETIME
            if not is_time or pd.api.types.is_datetime64_any_dtype(series.dtype):
                continue
            times = _StoredTimes(metadata[column])
            present = _present(series)
            if present.any():
                parsed = read_stored_times(times, series[present])
                if times.time_offsets is None:
                    read[column] = parsed.reindex(series.index)
                    # Text in several layouts is written back in one; the
                    # real values then do not all read in it.
                    unread = times.read(series).isna() & present
                    times.exact = not unread.any()
            self._times[column] = times
        if not self._times:
            return data
        out = data.copy(deep=False)
        for column, times in self._times.items():
            out[column] = read[column] if column in read else times.read(data[column])
        return out

    def _comparable(self, frame: pd.DataFrame, column: Hashable) -> pd.Series:
        """A column as values the constraint compares: times for a datetime
        column stored as text, whole numbers or Python objects."""
        times = getattr(self, "_times", {}).get(column)
        if times is None:
            return frame[column]
        return times.read(frame[column])

    def _learn(self, data: pd.DataFrame, metadata: TableMetadata) -> None:
        """Check the column types and learn what inverse_transform needs,
        from ``data`` with its times read (see :meth:`_read_times`)."""

    def _learn_view(self, data: pd.DataFrame) -> None:
        """Check the model's view of the user's own ``data``."""

    def _refuse_rows(self, data: pd.DataFrame, broken: np.ndarray) -> None:
        first = int(np.flatnonzero(broken)[0])
        row = {
            column: _scalar(value)
            for column, value in data.iloc[first][list(self.columns)].items()
        }
        raise InvalidDataError(
            f"The training data breaks {self!r}: {int(broken.sum())} of "
            f"{len(data)} rows {self._breach_text()}, for example the row with "
            f"index {_scalar(data.index[first])!r}: {row!r}. Genesis neither drops nor "
            "changes real rows; correct or remove those rows, or drop the "
            "constraint."
        )

    def _breach_text(self) -> str:
        raise NotImplementedError

    # -- the model's view ------------------------------------------------

    @property
    def transformed_column(self) -> Hashable | None:
        """The column the model sees transformed, or None."""
        return None

    def _transform(self, source: pd.DataFrame, out: pd.DataFrame) -> None:
        """Write the model's view of the constrained columns into ``out``,
        reading the real values from ``source``."""

    def _inverse_transform(
        self,
        frame: pd.DataFrame,
        rng: np.random.Generator,
        fixed: Iterable[Hashable] = (),
    ) -> None:
        """Turn generated values back into the columns' values, in place.

        ``fixed`` names the columns whose values conditions fix.
        """

    def _broken(self, frame: pd.DataFrame) -> np.ndarray:
        """Which rows break the constraint (a row with a missing value never
        does)."""
        raise NotImplementedError

    def _check_conditions(self, conditions: Mapping[Hashable, Any]) -> None:
        """Refuse conditions that no row meeting this constraint can meet.

        ``conditions`` are checked ones: a ValueRange, a seen value, or None
        for missing rows.
        """

    # -- model file ------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The constraint and what it learnt, as JSON-able values."""
        raise NotImplementedError

    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> Constraint:
        """Rebuild a constraint written by :meth:`to_dict`.

        Raises:
            ModelFileError: The kind of constraint is unknown.
        """
        kinds = {c.kind: c for c in (Inequality, Range, FixedCombinations)}
        kind = data.get("kind")
        if kind not in kinds:
            raise ModelFileError(
                f"The model file holds a constraint of kind {kind!r}, which this "
                f"release does not know (it knows {sorted(kinds)!r}); it may come "
                "from a newer release of Genesis."
            )
        return kinds[kind]._from_dict(data)

    @classmethod
    def _from_dict(cls, data: Mapping[str, Any]) -> Constraint:
        raise NotImplementedError


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
                raise InvalidConfigError(
                    f"Range({column!r}) {name} must be a number or a date or time, "
                    f"got {bound!r}."
                )
        if low is not None and high is not None:
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


class FixedCombinations(Constraint):
    """Only combinations of values of ``columns`` seen in training come out.

    For columns of few values, such as (city, state) or (education,
    education_num). A row where any of them is missing is not checked.

    Args:
        columns: Two or more columns of categories, text, booleans or whole
            numbers.
    """

    kind = "fixed_combinations"

    def __init__(self, columns: Sequence[Hashable]) -> None:
        if isinstance(columns, str) or not isinstance(columns, Sequence):
            raise InvalidConfigError(
                f"FixedCombinations takes a list of two or more columns, got "
                f"{columns!r}."
            )
        for column in columns:
            _check_name(column, "FixedCombinations", "each column")
        if len(columns) < 2 or len(set(columns)) != len(columns):
            raise InvalidConfigError(
                "FixedCombinations needs two or more different columns, got "
                f"{list(columns)!r}."
            )
        self._columns = tuple(columns)
        # Learnt by fit: each seen combination and how many rows have it.
        self._combinations: list[tuple[Any, ...]] = []
        self._counts: list[int] = []
        self._seen: set[tuple[Any, ...]] = set()

    def __repr__(self) -> str:
        return f"FixedCombinations({list(self._columns)!r})"

    @property
    def columns(self) -> tuple[Hashable, ...]:
        return self._columns

    def _learn(self, data: pd.DataFrame, metadata: TableMetadata) -> None:
        for column in self._columns:
            meta = metadata[column]
            if meta.column_type in (ColumnType.CONTINUOUS, ColumnType.DATETIME):
                raise InvalidDataError(
                    f"{self!r}: column {column!r} is {meta.column_type.value}, "
                    "with too many values to combine; FixedCombinations takes "
                    "columns of categories, text, booleans or whole numbers. Name "
                    "it in discrete_columns if its values are categories."
                )
        counts: dict[tuple[Any, ...], int] = {}
        for key in _row_keys(data, self._columns):
            if key is not None:
                counts[key] = counts.get(key, 0) + 1
        self._set_combinations(list(counts), list(counts.values()))

    def _set_combinations(
        self, combinations: list[tuple[Any, ...]], counts: list[int]
    ) -> None:
        self._combinations = combinations
        self._counts = counts
        self._seen = set(combinations)

    def _breach_text(self) -> str:
        return "have a combination never seen"

    def _broken(self, frame: pd.DataFrame) -> np.ndarray:
        present = np.logical_and.reduce(
            [_present(frame[c]).to_numpy() for c in self._columns]
        )
        if not self._combinations:
            return present
        # Whole columns at once; a set lookup per row took a third of the
        # generate time of a 500,000-row Adult table.
        rows = pd.MultiIndex.from_arrays([frame[c] for c in self._columns])
        seen = pd.MultiIndex.from_tuples(self._combinations)
        return present & ~rows.isin(seen)

    def _inverse_transform(
        self,
        frame: pd.DataFrame,
        rng: np.random.Generator,
        fixed: Iterable[Hashable] = (),
    ) -> None:
        broken = np.flatnonzero(self._broken(frame))
        if not len(broken):
            return
        fixed = set(fixed)
        anchor = next((i for i, c in enumerate(self._columns) if c in fixed), 0)
        choices: dict[Any, list[int]] = {}
        for index, combination in enumerate(self._combinations):
            choices.setdefault(combination[anchor], []).append(index)
        anchors = frame[self._columns[anchor]].iloc[broken].tolist()
        by_anchor: dict[Any, list[int]] = {}
        for row, value in zip(broken.tolist(), anchors, strict=True):
            # An anchor never seen with the other columns present is left to
            # rejection.
            if value in choices:
                by_anchor.setdefault(value, []).append(row)
        rows: list[int] = []
        picked: list[int] = []
        for value, group in by_anchor.items():
            options = choices[value]
            weights = np.asarray([self._counts[i] for i in options], dtype=float)
            drawn = rng.choice(len(options), size=len(group), p=weights / weights.sum())
            rows.extend(group)
            picked.extend(options[i] for i in drawn)
        if not rows:
            return
        for position, column in enumerate(self._columns):
            if position == anchor:
                continue
            series = frame[column].copy()
            values = [self._combinations[i][position] for i in picked]
            series.iloc[rows] = (
                pd.Series(values, dtype=object).astype(series.dtype).to_numpy()
            )
            frame[column] = series

    def _check_conditions(self, conditions: Mapping[Hashable, Any]) -> None:
        asked = {
            i: conditions[c]
            for i, c in enumerate(self._columns)
            if c in conditions and conditions[c] is not None
        }
        if len(asked) < 2:
            return
        if not any(
            all(_meets(combination[i], wanted) for i, wanted in asked.items())
            for combination in self._combinations
        ):
            shown = {
                self._columns[i]: shown_condition(wanted) for i, wanted in asked.items()
            }
            raise InvalidDataError(
                f"The conditions {shown!r} contradict {self!r}: that combination "
                "never occurs in the training data. Change the conditions or drop "
                "the constraint."
            )

    def to_dict(self) -> dict[str, Any]:
        try:
            combinations = [
                [encode_value(v) for v in combination]
                for combination in self._combinations
            ]
        except ModelFileError as exc:
            raise ModelFileError(
                f"{self!r} holds a value the model file cannot store: {exc} "
                "Nothing was saved."
            ) from exc
        return {
            "kind": self.kind,
            "columns": [encode_value(c) for c in self._columns],
            "combinations": combinations,
            "counts": self._counts,
        }

    @classmethod
    def _from_dict(cls, data: Mapping[str, Any]) -> FixedCombinations:
        made = cls([decode_value(c) for c in data["columns"]])
        made._set_combinations(
            [tuple(decode_value(v) for v in c) for c in data["combinations"]],
            list(data["counts"]),
        )
        return made


# -- what the generator calls --------------------------------------------------


def check_constraints(constraints: object) -> list[Constraint]:
    """The ``constraints=`` argument as a list, checked.

    Raises:
        InvalidConfigError: It is not a list of constraints.
    """
    if constraints is None:
        return []
    if isinstance(constraints, Constraint) or not isinstance(constraints, Sequence):
        raise InvalidConfigError(
            "constraints must be a list of genesis.constraints objects, such as "
            f"[Inequality('start', 'end')]; got {constraints!r}."
        )
    for constraint in constraints:
        if not isinstance(constraint, Constraint):
            raise InvalidConfigError(
                f"constraints holds {constraint!r}, which is not a constraint; use "
                "Inequality, Range or FixedCombinations from genesis.constraints."
            )
    return list(constraints)


def fit_constraints(
    constraints: Sequence[Constraint], data: pd.DataFrame, metadata: TableMetadata
) -> list[Constraint]:
    """Fitted copies of ``constraints``, in their order.

    Each column is transformed by one constraint at most; an Inequality whose
    column is already taken, or whose transform would feed on itself
    (``a <= b`` with ``b <= a``), is kept by rejection instead.

    Raises:
        InvalidDataError: As :meth:`Constraint._fitted`.
    """
    fitted = [constraint._fitted(data, metadata) for constraint in constraints]
    rebuilt_from: dict[Hashable, Hashable] = {}
    for constraint in fitted:
        column = constraint.transformed_column
        if column is None:
            continue
        assert isinstance(constraint, Inequality)
        kept = constraint._kept_column
        if column in rebuilt_from or column in _chain(rebuilt_from, kept):
            constraint._target = None
            continue
        rebuilt_from[column] = kept
    return fitted


def _inverse_order(constraints: Sequence[Constraint]) -> list[Constraint]:
    """Transforms first, each after the one that rebuilds the column it reads;
    then the others."""
    rebuilt_from = {
        c.transformed_column: c._kept_column
        for c in constraints
        if isinstance(c, Inequality) and c.transformed_column is not None
    }

    def depth(constraint: Constraint) -> int:
        if not isinstance(constraint, Inequality) or constraint._target is None:
            return len(constraints)
        return len(_chain(rebuilt_from, constraint._kept_column))

    return sorted(constraints, key=depth)


def transform_frame(
    constraints: Sequence[Constraint], data: pd.DataFrame
) -> pd.DataFrame:
    """``data`` as the model sees it (``data`` itself when nothing changes)."""
    if not any(c.transformed_column is not None for c in constraints):
        return data
    out = data.copy()
    for constraint in constraints:
        if constraint.transformed_column is not None:
            constraint._transform(data, out)
    return out


def inverse_transform_frame(
    constraints: Sequence[Constraint],
    frame: pd.DataFrame,
    rng: np.random.Generator,
    fixed: Iterable[Hashable] = (),
) -> pd.DataFrame:
    """Generated rows back in the columns' values, in place."""
    fixed = list(fixed)
    for constraint in _inverse_order(constraints):
        constraint._inverse_transform(frame, rng, fixed)
    return frame


def rows_meeting_constraints(
    constraints: Sequence[Constraint], frame: pd.DataFrame
) -> np.ndarray:
    """Which rows of ``frame`` meet every constraint."""
    met = np.ones(len(frame), dtype=bool)
    for constraint in constraints:
        met &= ~constraint._broken(frame)
    return met


def constraints_to_state(constraints: Sequence[Constraint]) -> list[dict[str, Any]]:
    return [constraint.to_dict() for constraint in constraints]


def constraints_from_state(state: Iterable[Mapping[str, Any]]) -> list[Constraint]:
    return [Constraint.from_dict(item) for item in state]


# -- helpers ---------------------------------------------------------------------


@dataclass
class _StoredTimes:
    """How a datetime column kept as text, whole numbers or Python objects
    is read: the fields genesis.data._times records on a column plan (the
    layout, its style, an example object, the UTC offsets seen)."""

    meta: ColumnMetadata
    time_format: str | None = None
    time_style: dict[str, Any] | None = None
    time_example: Any = None
    time_offsets: list[int] | None = None
    # Whether every real value reads back with read(); only fit needs it.
    exact: bool = True

    def write(self, stamps: np.ndarray, dtype: Any) -> np.ndarray:
        """Times without a zone in the column's own form, for a column of
        ``dtype``: its Python type, or text (or whole numbers) in its
        layout."""
        series = pd.Series(stamps)
        if self.time_example is not None:
            return to_python_times(series, self.time_example)
        assert self.time_format is not None
        text = write_layout(series, self.time_format, self.time_style)
        if pd.api.types.is_numeric_dtype(dtype):
            return text.astype(np.int64)
        return text

    def reads_alike(self, values: pd.Series) -> bool:
        """Whether the data plane, reading ``values`` (written by
        :meth:`write`) on their own, finds this column's layout or type."""
        other = _StoredTimes(self.meta)
        try:
            read_stored_times(other, values[_present(values)])
        except InvalidDataError:
            return False
        return (
            other.time_format == self.time_format
            and other.time_style == self.time_style
            and type(other.time_example) is type(self.time_example)
            and other.time_offsets is None
        )

    def read(self, series: pd.Series) -> pd.Series:
        """The column's values as datetime64 times, NaT where missing;
        instants in UTC where the UTC offsets differ between rows."""
        times = read_restored_times(self, series)
        if not pd.api.types.is_datetime64_any_dtype(times.dtype):
            times = pd.to_datetime(times, errors="coerce")
        return times

    def to_dict(self) -> dict[str, Any]:
        return {
            "meta": self.meta.to_dict(),
            "time_format": self.time_format,
            "time_style": self.time_style,
            "time_example": encode_value(self.time_example),
            "time_offsets": self.time_offsets,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> _StoredTimes:
        return cls(
            ColumnMetadata.from_dict(data["meta"]),
            data["time_format"],
            data["time_style"],
            decode_value(data["time_example"]),
            data["time_offsets"],
        )


def _times_to_state(constraint: Constraint) -> list[list[Any]]:
    return [
        [encode_value(column), times.to_dict()]
        for column, times in getattr(constraint, "_times", {}).items()
    ]


def _times_from_state(data: Mapping[str, Any]) -> dict[Hashable, _StoredTimes]:
    # Files written before constraints read stored times have none.
    return {
        decode_value(column): _StoredTimes.from_dict(times)
        for column, times in data.get("times", [])
    }


def _chain(rebuilt_from: Mapping[Hashable, Hashable], column: Hashable) -> list:
    """The columns ``column`` is rebuilt from, nearest first."""
    chain = []
    while column in rebuilt_from and column not in chain:
        chain.append(column)
        column = rebuilt_from[column]
    return chain


def _check_name(name: object, owner: str, role: str) -> None:
    try:
        hash(name)
    except TypeError:
        raise InvalidConfigError(
            f"{owner}'s {role} must be a column name, got {name!r}."
        ) from None


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
        f"metadata.update_column({column!r}, 'datetime', datetime_format=...)."
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


def _scalar(value: Any) -> Any:
    """A numpy scalar as the Python or pandas value a model file stores."""
    if isinstance(value, np.datetime64):
        return pd.Timestamp(value)
    if isinstance(value, np.timedelta64):
        return pd.Timedelta(value)
    if isinstance(value, np.generic):
        return value.item()
    return value


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


def _condition_bounds(wanted: Any) -> tuple[Any, Any] | None:
    """The smallest and largest value a checked condition allows."""
    if wanted is None:
        return None
    if isinstance(wanted, ValueRange):
        return wanted.low, wanted.high
    if isinstance(wanted, numbers.Real | pd.Timestamp) and not isinstance(wanted, bool):
        return wanted, wanted
    return None


def _meets(value: Any, wanted: Any) -> bool:
    if isinstance(wanted, ValueRange):
        try:
            return bool(wanted.low <= value <= wanted.high)
        except TypeError:
            return False
    return bool(value == wanted)


def _row_keys(frame: pd.DataFrame, columns: Sequence[Hashable]) -> list:
    """Each row's values of ``columns`` as a tuple, or None where one is
    missing."""
    lists = [frame[c].tolist() for c in columns]
    present = np.logical_and.reduce([_present(frame[c]).to_numpy() for c in columns])
    return [
        key if ok else None
        for key, ok in zip(zip(*lists, strict=True), present, strict=True)
    ]
