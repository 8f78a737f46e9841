"""How a constraint reads a datetime column kept as text, whole numbers
or Python objects, and how that is saved in the model file."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from genesis._values import decode_value, encode_value
from genesis.constraints._values import _present
from genesis.data._times import (
    read_restored_times,
    read_stored_times,
    to_python_times,
    write_layout,
)
from genesis.errors import InvalidDataError
from genesis.metadata import ColumnMetadata

if TYPE_CHECKING:
    from genesis.constraints._base import Constraint


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
