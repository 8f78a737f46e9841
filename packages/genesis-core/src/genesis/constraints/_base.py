"""The Constraint base class: checking the training data against a rule,
reading stored times, and the hooks each rule fills in."""

from __future__ import annotations

import copy
from collections.abc import Hashable, Iterable, Mapping
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from genesis.constraints._stored_times import _StoredTimes
from genesis.constraints._values import _present, _scalar
from genesis.data._times import read_stored_times
from genesis.errors import InvalidConfigError, InvalidDataError, ModelFileError
from genesis.metadata import ColumnType, TableMetadata


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
        # The rules subclass this class, so they can only be imported once
        # it exists.
        from genesis.constraints._combinations import FixedCombinations
        from genesis.constraints._inequality import Inequality
        from genesis.constraints._range import Range

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


def _check_name(name: object, owner: str, role: str) -> None:
    try:
        hash(name)
    except TypeError:
        raise InvalidConfigError(
            f"{owner}'s {role} must be a column name, got {name!r}."
        ) from None
